import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract as tarExtract, type Header } from 'tar-stream';
import { AscentError } from '../core/errors.js';

// Node only: `models.downloadPackage` loads this file on demand, so the SDK's core stays browser-safe.

/** Options of `unpackPackage`. */
export interface UnpackOptions {
  /** Folder the package folder is created in. */
  destDir: string;
  /** Name of the package folder when the archive does not hold exactly one top folder. */
  fallbackFolder: string;
  /** Replace an existing package folder instead of failing with ALREADY_EXISTS. */
  overwrite?: boolean;
}

/** A package unpacked on disk. */
export interface UnpackedPackage {
  /** Absolute path of the package folder. */
  dir: string;
  /** Files written, relative to `dir`, in archive order. */
  files: string[];
}

/**
 * Unpack a gzipped tar package into one folder under `destDir`. The archive is first unpacked into
 * a temporary folder beside it, so a failed download leaves nothing half-written behind, then
 * moved into place. Entries that would land outside the folder (absolute paths, `..`) and entries
 * that are not plain files or folders (links, devices) are refused with INVALID_STATE.
 */
export async function unpackPackage(body: AsyncIterable<Uint8Array>, options: UnpackOptions): Promise<UnpackedPackage> {
  const destDir = path.resolve(options.destDir);
  await mkdir(destDir, { recursive: true });
  const staging = await mkdtemp(path.join(destDir, '.ascent-download-'));
  try {
    const written = await extractTarGz(body, staging);
    const top = await readdir(staging, { withFileTypes: true });
    // The server puts every entry in `<name>-v<version>/`; keep that folder rather than nest it.
    const single = top.length === 1 && top[0]!.isDirectory() ? top[0]!.name : undefined;
    const dir = path.join(destDir, single ?? options.fallbackFolder);
    if (await exists(dir)) {
      if (!options.overwrite) throw new AscentError('ALREADY_EXISTS', `'${dir}' already exists; remove it, choose another folder, or overwrite it`, { field: 'destDir' });
      await rm(dir, { recursive: true, force: true });
    }
    await rename(single ? path.join(staging, single) : staging, dir);
    return { dir, files: single ? written.map((f) => f.slice(single.length + 1)) : written };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Unpack a gzipped tar into `root` (which must exist); returns the files written, `/`-separated and relative to it. */
export async function extractTarGz(body: AsyncIterable<Uint8Array>, root: string): Promise<string[]> {
  const source = Readable.from(body);
  const gunzip = createGunzip();
  const extract = tarExtract();
  // `pipe` does not forward errors: a broken download or bad gzip must end the entry loop below.
  const fail = (err: Error) => extract.destroy(err);
  source.on('error', fail);
  gunzip.on('error', fail);
  source.pipe(gunzip).pipe(extract as unknown as NodeJS.WritableStream);
  const files: string[] = [];
  try {
    for await (const entry of extract) {
      const rel = safeEntryPath(entry.header);
      const target = path.join(root, ...rel.split('/'));
      if (entry.header.type === 'directory') {
        await mkdir(target, { recursive: true });
        entry.resume();
        continue;
      }
      await mkdir(path.dirname(target), { recursive: true });
      await pipeline(entry as unknown as AsyncIterable<Uint8Array>, createWriteStream(target, { mode: 0o644 }));
      files.push(rel);
    }
  } finally {
    source.destroy();
    gunzip.destroy();
  }
  return files;
}

/** The entry's path relative to the root, or INVALID_STATE for an entry that may not be unpacked. */
function safeEntryPath(header: Header): string {
  const name = header.name;
  const refuse = (why: string) => new AscentError('INVALID_STATE', `Refusing archive entry '${name.slice(0, 200)}': ${why}`);
  if (header.type !== 'file' && header.type !== 'contiguous-file' && header.type !== 'directory') throw refuse(`a ${header.type} is not a plain file or folder`);
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name) || name.includes('\\') || name.includes('\0')) throw refuse('absolute or not a portable path');
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw refuse("'..' would leave the destination folder");
  if (parts.length === 0) throw refuse('empty path');
  return parts.join('/');
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}
