/**
 * Decimal texts of every kind a CSV number parser meets, the same on every run: the exactness
 * tests of parse-decimal.ts and of its WebAssembly port (csv-scanner.ts) read them.
 */

// Deterministic inputs: the same cases on every run.
let seed = 20261123;
export const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
export const below = (n: number) => Math.floor(random() * n);
const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
/** Any finite double, uniformly over its bit patterns. */
function anyDouble(): number {
  do {
    words[0] = (random() * 2 ** 32) >>> 0;
    words[1] = (random() * 2 ** 32) >>> 0;
  } while (!Number.isFinite(bits[0]!));
  return bits[0]!;
}
function digits(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += below(10);
  return s;
}

/** Texts of every kind the parser meets: round-trip doubles, short and long mantissas, exponents, ties. */
export function cases(count: number): string[] {
  const out = [
    '0', '-0', '+0', '00', '0.0', '-0.000', '5.', '.5', '-.5', '+5', '1E+05', '1e-05', '007', '000.000125', '9.99999999',
    '4503599627370497.5', '9007199254740993', '9007199254740992', '9007199254740991', '18446744073709551615',
    '0.1', '0.2', '0.3', '1e22', '1e23', '1.7976931348623157e308', '2.2250738585072014e-308', '4.9e-324', '5e-324',
    '0.18276756304178315', '40.279741198143874', '118.95470138572746', '0.016149096651887018', '-0.0012345678901234567',
    '123456789.12345678', '12345678.123456789', '1.2345678901234567e-3', '0.000099999999999999', '99999999999999999',
    '0.99999999999999994', '0.99999999999999995', '0.99999999999999996', '1.00000000000000011', '1.00000000000000012',
    '2.00000000000000033', '0.30000000000000004', '123.456e2', '1.e5', '.e5', '1e', '1e+', '-', '+', '.', '', 'abc', '1.2.3', '--1', '0x10',
  ];
  const kinds: (() => string)[] = [
    () => String(anyDouble()),
    () => anyDouble().toPrecision(17),
    () => anyDouble().toPrecision(1 + below(17)),
    () => String((random() - 0.5) * 10 ** (below(40) - 20)),
    () => (random() * 10 ** below(6)).toPrecision(16 + below(2)),
    // Halfway cases: 17 digits ending in 5 sit between two doubles more often than others.
    () => `${(random() * 10 ** below(8)).toPrecision(17).slice(0, -1)}5`,
    () => `${random().toPrecision(17).slice(0, -2)}${digits(2)}`,
    () => (random() < 0.5 ? '-' : '') + '0'.repeat(below(3)) + digits(below(20)) + (random() < 0.7 ? `.${'0'.repeat(below(4))}${digits(below(22))}` : '') + (random() < 0.25 ? `e${random() < 0.5 ? '-' : '+'}${below(30)}` : ''),
    () => String(below(2 ** 31) * 2 ** (below(60) - 30)),
    () => String(5e-324 * below(100_000)),
    () => (random() * 10 ** (below(40) - 20)).toExponential(below(20)),
  ];
  for (let i = 0; i < count; i++) out.push(kinds[i % kinds.length]!());
  return out;
}

/** The number syntax parseDecimal reads: what Number() gives for the prefix it consumed. */
export const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/;

