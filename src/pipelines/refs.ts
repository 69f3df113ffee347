/** A parsed reference inside a pipeline definition. */
export type Ref =
  | { kind: 'output'; step: string; output: string }
  | { kind: 'dataset'; name: string }
  | { kind: 'param'; name: string };

/** `steps.<s>.outputs.<o>`, `datasets.<d>` or `params.<p>`; null for anything else. */
export function parseRef(text: string): Ref | null {
  const t = text.trim();
  let m = /^steps\.([A-Za-z_][A-Za-z0-9_-]*)\.outputs\.([A-Za-z_][A-Za-z0-9_-]*)$/.exec(t);
  if (m) return { kind: 'output', step: m[1]!, output: m[2]! };
  m = /^datasets\.([A-Za-z_][A-Za-z0-9_-]*)$/.exec(t);
  if (m) return { kind: 'dataset', name: m[1]! };
  m = /^params\.([A-Za-z_][A-Za-z0-9_-]*)$/.exec(t);
  if (m) return { kind: 'param', name: m[1]! };
  return null;
}

/** The parameter named by a validated `foreach: params.<name>`. */
export function foreachParam(text: string): string {
  const r = parseRef(text);
  if (r?.kind !== 'param') throw new Error(`foreach '${text}' is not params.<name>`);
  return r.name;
}

/** The `${…}` placeholders in a template string, trimmed. */
export function templateRefs(text: string): string[] {
  return [...text.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]!.trim());
}

/** Replace `${params.x}` and `${item}` with their values (lists as JSON). */
export function renderTemplate(text: string, params: Record<string, unknown>, item: unknown): string {
  return text.replace(/\$\{([^}]*)\}/g, (_all, raw: string) => {
    const ref = raw.trim();
    const value = ref === 'item' ? item : params[ref.replace(/^params\./, '')];
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}
