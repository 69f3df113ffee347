import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** `sha256:<hex>` of a file's bytes, streamed. */
export async function fileDigest(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

/** Every regular file under `dir`, as sorted relative POSIX paths. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await fs.promises.readdir(path.join(dir, rel), { withFileTypes: true });
    for (const e of entries) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(child);
      else if (e.isFile()) out.push(child);
    }
  };
  await walk('');
  return out.sort();
}

/**
 * Digest of a file or a folder. A folder's digest covers each file's relative path and content,
 * so renaming a file changes it and timestamps do not.
 */
export async function pathDigest(target: string): Promise<{ digest: string; sizeBytes: number; isDir: boolean }> {
  const stat = await fs.promises.stat(target);
  if (!stat.isDirectory()) return { digest: await fileDigest(target), sizeBytes: stat.size, isDir: false };
  const hash = createHash('sha256');
  let size = 0;
  for (const rel of await listFiles(target)) {
    const file = path.join(target, rel);
    size += (await fs.promises.stat(file)).size;
    hash.update(`${rel}\0${await fileDigest(file)}\n`);
  }
  return { digest: `sha256:${hash.digest('hex')}`, sizeBytes: size, isDir: true };
}

/** `sha256:<hex>` of a string or object (objects as canonical JSON with sorted keys). */
export function valueDigest(value: unknown): string {
  return `sha256:${createHash('sha256').update(typeof value === 'string' ? value : canonicalJson(value)).digest('hex')}`;
}

/** JSON with object keys sorted at every level, so equal values always hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}
