import { AscentError } from '../core/errors.js';

/** Who acts: the registry records it on every audit event and checks it against approval rules. */
export const USER_HEADER = 'x-ascent-user';
/** Why: recorded on the event next to the user. */
export const REASON_HEADER = 'x-ascent-reason';

/** Options of a registry change. */
export interface ChangeOptions {
  /** Why the change is made; kept in the model's history. */
  reason?: string;
}

/**
 * The acting user when the client is given none: `ASCENT_USER`, else the OS user (its environment
 * variables, else the account Node runs as); none in a browser.
 */
export function defaultUser(): string | undefined {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined>; getBuiltinModule?: (id: string) => unknown } }).process;
  const env = proc?.env;
  const named = env?.ASCENT_USER || env?.USER || env?.USERNAME || env?.LOGNAME;
  if (named) return named;
  // Containers often set no USER; the synchronous built-in lookup keeps this file free of static Node imports.
  try {
    const os = proc?.getBuiltinModule?.('node:os') as { userInfo?: () => { username: string } } | undefined;
    return os?.userInfo?.().username || undefined;
  } catch {
    // No passwd entry for the uid (some containers): no user to send.
    return undefined;
  }
}

/**
 * Whether `fetch` can send the text as a header value: Latin-1 without control characters
 * (`fetch` throws on anything above U+00FF, and a newline would end the header).
 */
export function headerSafe(text: string): boolean {
  return /^[\t\x20-\x7e\xa0-\xff]*$/.test(text);
}

/** The user name checked here, so a name `fetch` cannot send fails at construction, not as a network error. */
export function checkUser(user: string): string {
  const name = user.trim();
  if (!name || name.length > 256 || !headerSafe(name)) {
    throw new AscentError('INVALID_ARGUMENT', `Invalid user '${user.slice(0, 80)}': 1-256 Latin-1 characters, no control characters`, { field: 'user' });
  }
  return name;
}

/** How a change's reason travels: as `x-ascent-reason` and, where the route reads one, as the body's `reason`. */
export interface ReasonFields {
  headers: Record<string, string>;
  body: { reason?: string };
}

/**
 * The reason of a change as a header and, when the route takes `reason` in its body, as a body field
 * too: the body carries any text exactly, the header only Latin-1, so a reason the header cannot
 * carry is refused only on routes without a body field.
 */
export function reasonFields(options: ChangeOptions | undefined, bodyTakesReason: boolean): ReasonFields {
  const reason = options?.reason;
  if (reason === undefined || reason === '') return { headers: {}, body: {} };
  const headers: Record<string, string> = headerSafe(reason) ? { [REASON_HEADER]: reason } : {};
  if (!bodyTakesReason && headers[REASON_HEADER] === undefined) {
    throw new AscentError('INVALID_ARGUMENT', 'This change takes its reason as a header, which holds Latin-1 text without line breaks only', { field: 'reason' });
  }
  return { headers, body: bodyTakesReason ? { reason } : {} };
}
