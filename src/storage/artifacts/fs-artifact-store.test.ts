import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runArtifactStoreContract } from './artifact-store.contract.js';
import { FsArtifactStore } from './fs-artifact-store.js';

runArtifactStoreContract('FsArtifactStore (real local disk)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-fs-store-'));
  return {
    store: new FsArtifactStore(path.join(dir, 'root')),
    parent: { store: new FsArtifactStore(dir), rootName: 'root' },
    cleanup: () => fs.promises.rm(dir, { recursive: true, force: true }),
  };
});

describe('FsArtifactStore on disk', () => {
  const withDirs = async (test: (dirs: { root: string; outside: string }) => Promise<void>) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-fs-only-'));
    try {
      const root = path.join(dir, 'root');
      const outside = path.join(dir, 'outside');
      fs.mkdirSync(root);
      fs.mkdirSync(outside);
      fs.writeFileSync(path.join(outside, 'secret.txt'), 'secret');
      await test({ root, outside });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  const codeOf = (promise: Promise<unknown>) => promise.then(() => 'resolved', (err: { code?: string }) => err.code);

  it('refuses symlinks inside the root that lead outside it, for get and put', () =>
    withDirs(async ({ root, outside }) => {
      fs.symlinkSync(outside, path.join(root, 'dir-link'));
      fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'file-link'));
      fs.symlinkSync(path.join(outside, 'not-there'), path.join(root, 'dangling'));
      const store = new FsArtifactStore(root);

      expect(await codeOf(store.get('dir-link/secret.txt'))).toBe('INVALID_ARGUMENT');
      expect(await codeOf(store.get('file-link'))).toBe('INVALID_ARGUMENT');
      expect(await codeOf(store.put('dir-link/new.txt', 'x'))).toBe('INVALID_ARGUMENT');
      expect(await codeOf(store.put('dir-link/sub/new.txt', 'x'))).toBe('INVALID_ARGUMENT');
      expect(await codeOf(store.put('file-link', 'overwritten'))).toBe('INVALID_ARGUMENT');
      expect(await codeOf(store.put('dangling', 'x'))).toBe('INVALID_ARGUMENT');
      expect(await codeOf(store.delete('dir-link'))).toBe('INVALID_ARGUMENT');
      expect(await codeOf(store.createMultipartUpload('dir-link/big.bin'))).toBe('INVALID_ARGUMENT');

      expect(fs.readdirSync(outside)).toEqual(['secret.txt']);
      expect(fs.readFileSync(path.join(outside, 'secret.txt'), 'utf8')).toBe('secret');
      // Links out of the root are not part of the store, so they are not listed either.
      expect(await store.list('')).toEqual([]);
    }));

  it('follows symlinks that stay inside the root', () =>
    withDirs(async ({ root }) => {
      const store = new FsArtifactStore(root);
      await store.put('real/file.txt', 'inside');
      fs.symlinkSync(path.join(root, 'real'), path.join(root, 'alias'));
      expect(await store.stat('alias/file.txt')).toEqual({ size: 6, isDir: false });
    }));

  it('keeps uploads in progress and temporary files out of listings and out of reach', () =>
    withDirs(async ({ root }) => {
      const store = new FsArtifactStore(root);
      const { uploadId } = await store.createMultipartUpload('big.bin');
      await store.uploadPart('big.bin', uploadId, 1, Buffer.from('part'));
      expect(fs.readdirSync(root)).toEqual(['.ascent-mpu']);
      expect(await store.list('')).toEqual([]);
      expect(await codeOf(store.get(`.ascent-mpu/${uploadId}/target`))).toBe('INVALID_ARGUMENT');
      expect(await codeOf(store.put('.ascent-tmp-x', 'x'))).toBe('INVALID_ARGUMENT');
      await store.abortMultipartUpload('big.bin', uploadId);
      expect(fs.readdirSync(path.join(root, '.ascent-mpu'))).toEqual([]);
    }));

  it('creates a missing root and refuses a relative one', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-fs-root-'));
    try {
      const store = new FsArtifactStore(path.join(dir, 'a', 'b'));
      expect(fs.statSync(path.join(dir, 'a', 'b')).isDirectory()).toBe(true);
      expect(store.rootUri).toBe(`file://${path.join(dir, 'a', 'b')}`);
      expect(() => new FsArtifactStore('relative/dir')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
