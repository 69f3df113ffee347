import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { pack, type Header } from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { unpackPackage } from './package-extract.js';

// Real gzipped tars built with tar-stream, the library the server packs with.
type Entry = Partial<Header> & { name: string; data?: string };

async function tarGz(entries: Entry[]): Promise<Uint8Array> {
  const p = pack();
  for (const { data, ...header } of entries) p.entry(header, data ?? '');
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of Readable.from(p).pipe(createGzip())) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function* body(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  // Small chunks, as a download arrives.
  for (let i = 0; i < bytes.length; i += 100) yield bytes.subarray(i, i + 100);
}

let work: string;
let dest: string;
beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-extract-'));
  dest = path.join(work, 'dest');
});
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

const unpack = async (entries: Entry[], overwrite = false) => unpackPackage(body(await tarGz(entries)), { destDir: dest, fallbackFolder: 'pkg', overwrite });

describe('unpackPackage', () => {
  it('keeps the archive\'s single top folder and long names', async () => {
    const long = `deep/${'n'.repeat(180)}.bin`;
    const out = await unpack([{ name: 'm-v1/MLmodel', data: 'flavors: {}' }, { name: 'm-v1/sub/', type: 'directory' }, { name: `m-v1/${long}`, data: 'x' }]);
    expect(out).toEqual({ dir: path.join(dest, 'm-v1'), files: ['MLmodel', long] });
    expect(fs.readFileSync(path.join(dest, 'm-v1', 'MLmodel'), 'utf8')).toBe('flavors: {}');
    expect(fs.statSync(path.join(dest, 'm-v1', 'sub')).isDirectory()).toBe(true);
  });

  it('puts loose entries into the fallback folder, never straight into the destination', async () => {
    const out = await unpack([{ name: 'MLmodel', data: 'a' }, { name: 'w.bin', data: 'b' }]);
    expect(out.dir).toBe(path.join(dest, 'pkg'));
    expect(fs.readdirSync(dest)).toEqual(['pkg']);
  });

  // `escaped` is where an escaping entry would land: beside the destination folder.
  it.each([
    ['a parent-relative path', (_escaped: string) => [{ name: 'm-v1/../../../escaped', data: 'x' }], /'\.\.' would leave/],
    ['an absolute path', (escaped: string) => [{ name: escaped, data: 'x' }], /absolute/],
    ['a symlink', (escaped: string) => [{ name: 'm-v1/link', type: 'symlink', linkname: escaped }], /symlink is not a plain file/],
    ['a hard link', () => [{ name: 'm-v1/MLmodel', data: 'x' }, { name: 'm-v1/link', type: 'link', linkname: '../../escaped' }], /link is not a plain file/],
  ] as [string, (escaped: string) => Entry[], RegExp][])('refuses %s and leaves nothing behind', async (_what, entries, message) => {
    await expect(unpack(entries(path.join(work, 'escaped')))).rejects.toMatchObject({ code: 'INVALID_STATE', message: expect.stringMatching(message) });
    expect(fs.existsSync(path.join(work, 'escaped'))).toBe(false);
    expect(fs.readdirSync(dest)).toEqual([]);
  });

  it('fails on a corrupt archive without leaving a partial folder', async () => {
    const bytes = await tarGz([{ name: 'm-v1/big', data: 'z'.repeat(50_000) }]);
    await expect(unpackPackage(body(bytes.subarray(0, bytes.length - 40)), { destDir: dest, fallbackFolder: 'pkg' })).rejects.toThrow();
    expect(fs.readdirSync(dest)).toEqual([]);
  });

  it('replaces an existing folder only when asked', async () => {
    await unpack([{ name: 'm-v1/a', data: '1' }]);
    await expect(unpack([{ name: 'm-v1/b', data: '2' }])).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    expect(fs.readdirSync(path.join(dest, 'm-v1'))).toEqual(['a']);
    await unpack([{ name: 'm-v1/b', data: '2' }], true);
    expect(fs.readdirSync(path.join(dest, 'm-v1'))).toEqual(['b']);
  });
});
