import dns from 'node:dns';
import net from 'node:net';

/**
 * The SSRF guard of webhook delivery: which addresses a webhook without `allowPrivate` may reach.
 * A webhook URL is user input; without this check it turns the server into a proxy onto its own
 * network (cloud metadata at 169.254.169.254, databases on 10/8, admin ports on 127.0.0.1).
 */

export type RefusedAddressKind = 'loopback' | 'private' | 'link-local' | 'unspecified' | 'multicast' | 'reserved';

type Rule = [base: number, prefix: number, kind: RefusedAddressKind];

const V4_RULES: Rule[] = [
  [v4('0.0.0.0'), 8, 'unspecified'],
  [v4('10.0.0.0'), 8, 'private'],
  [v4('100.64.0.0'), 10, 'private'], // carrier-grade NAT, routinely internal
  [v4('127.0.0.0'), 8, 'loopback'],
  [v4('169.254.0.0'), 16, 'link-local'],
  [v4('172.16.0.0'), 12, 'private'],
  [v4('192.0.0.0'), 24, 'reserved'],
  [v4('192.168.0.0'), 16, 'private'],
  [v4('198.18.0.0'), 15, 'reserved'],
  [v4('224.0.0.0'), 4, 'multicast'],
  [v4('240.0.0.0'), 4, 'reserved'], // includes 255.255.255.255
];

function v4(address: string): number {
  return address.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

function classifyV4(address: string): RefusedAddressKind | null {
  const n = v4(address);
  for (const [base, prefix, kind] of V4_RULES) {
    const size = 2 ** (32 - prefix);
    if (n >= base && n < base + size) return kind;
  }
  return null;
}

/** Eight 16-bit groups of an IPv6 address (zone id dropped), or null when it does not parse. */
function groupsV6(address: string): number[] | null {
  let text = address.replace(/%.*$/, '').toLowerCase();
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    if (!net.isIPv4(tail[1]!)) return null;
    const n = v4(tail[1]!);
    text = `${text.slice(0, -tail[1]!.length)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((g) => Number.parseInt(g, 16)));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const fill = halves.length === 2 ? 8 - head.length - rest.length : 0;
  const groups = [...head, ...Array<number>(Math.max(fill, 0)).fill(0), ...rest];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

const embeddedV4 = (hi: number, lo: number): string => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;

function classifyV6(address: string): RefusedAddressKind | null {
  const g = groupsV6(address);
  if (!g) return 'reserved';
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [number, number, number, number, number, number, number, number];
  const zeroTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroTo(8)) return 'unspecified';
  if (zeroTo(7) && g7 === 1) return 'loopback';
  // IPv4 inside IPv6 reaches the IPv4 address: mapped (::ffff:a.b.c.d), compatible (::a.b.c.d),
  // NAT64 (64:ff9b::a.b.c.d) and 6to4 (2002:aabb:ccdd::).
  if (zeroTo(5) && g5 === 0xffff) return classifyV4(embeddedV4(g6, g7));
  if (zeroTo(6)) return classifyV4(embeddedV4(g6, g7));
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return classifyV4(embeddedV4(g6, g7));
  if (g0 === 0x2002) return classifyV4(embeddedV4(g1, g2));
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local';
  if ((g0 & 0xffc0) === 0xfec0) return 'private'; // deprecated site-local
  if ((g0 & 0xfe00) === 0xfc00) return 'private'; // unique local fc00::/7
  if ((g0 & 0xff00) === 0xff00) return 'multicast';
  return null;
}

/** Why `address` (an IP literal) may not be reached without `allowPrivate`, or null when it may. */
export function refusedAddressKind(address: string): RefusedAddressKind | null {
  if (net.isIPv4(address)) return classifyV4(address);
  if (net.isIPv6(address.replace(/%.*$/, ''))) return classifyV6(address);
  return 'reserved';
}

/** The URL's host without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** A create-time check: the refusal reason when the URL's host is an IP literal in a refused range. */
export function literalHostRefusal(url: URL): string | null {
  const host = hostOf(url);
  if (net.isIP(host) === 0) return null;
  const kind = refusedAddressKind(host);
  return kind ? `${host} is a ${kind} address` : null;
}

/** A delivery refused by the address policy; `message` is the reason recorded in the delivery log. */
export class AddressRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AddressRefusedError';
  }
}

/**
 * Resolve `host` and return its addresses when every one of them is allowed; a host with any
 * refused address is refused as a whole (a public answer beside a private one is a rebinding setup).
 */
export async function resolveAllowed(host: string): Promise<dns.LookupAddress[]> {
  if (net.isIP(host) !== 0) {
    const kind = refusedAddressKind(host);
    if (kind) throw new AddressRefusedError(`refused: ${host} is a ${kind} address (set allowPrivate to deliver there)`);
    return [{ address: host, family: net.isIP(host) }];
  }
  const addresses = await dns.promises.lookup(host, { all: true, verbatim: true });
  if (addresses.length === 0) throw new AddressRefusedError(`refused: ${host} does not resolve`);
  for (const a of addresses) {
    const kind = refusedAddressKind(a.address);
    if (kind) throw new AddressRefusedError(`refused: ${host} resolves to ${a.address}, a ${kind} address (set allowPrivate to deliver there)`);
  }
  return addresses;
}

/**
 * A `lookup` for http.request that answers with addresses already checked, so the connection goes
 * to exactly what was checked: a second DNS answer (rebinding) cannot slip in between.
 */
export function pinnedLookup(addresses: dns.LookupAddress[]): net.LookupFunction {
  return (_hostname, options, callback) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
    const usable = family === 4 || family === 6 ? addresses.filter((a) => a.family === family) : addresses;
    if (usable.length === 0) {
      callback(Object.assign(new Error(`no checked IPv${String(family)} address`), { code: 'ENOTFOUND' }), '', 0);
      return;
    }
    if (options.all) callback(null, usable);
    else callback(null, usable[0]!.address, usable[0]!.family);
  };
}
