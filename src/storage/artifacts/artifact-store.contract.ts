import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../core/errors.js';
import type { ArtifactStore } from './artifact-store.js';

/** What a contract run needs from each backend: a fresh, empty store and a way to remove it. */
export interface ArtifactStoreFixture {
  store: ArtifactStore;
  cleanup: () => Promise<void>;
  /**
   * A store rooted at the parent of `store`'s root, whose only child may be `rootName`; the
   * traversal cases use it to prove nothing was written beside the store.
   */
  parent?: { store: ArtifactStore; rootName: string };
}

/** Why a backend cannot run here; `skip` true skips the suite, otherwise it fails with `reason`. */
export interface ArtifactStoreContractOptions {
  unavailable?: { reason: string; skip: boolean };
}

const MiB = 1024 * 1024;
/** S3's smallest allowed non-final part; the multipart cases must pass on a real S3 server. */
const MIN_PART = 5 * MiB;

/** Run the one artifact-store contract against a backend; each test gets a fresh store. */
export function runArtifactStoreContract(
  name: string,
  newStore: () => Promise<ArtifactStoreFixture>,
  options: ArtifactStoreContractOptions = {},
): void {
  const { unavailable } = options;
  if (unavailable?.skip) {
    console.warn(`[artifact-store contract] skipping ${name}: ${unavailable.reason}`);
    describe.skip(`${name} (skipped: ${unavailable.reason})`, () => {
      it('contract', () => undefined);
    });
    return;
  }
  if (unavailable) {
    describe(name, () => {
      it('has a backend to run against', () => {
        throw new Error(unavailable.reason);
      });
    });
    return;
  }

  describe(name, () => {
    let fixture: ArtifactStoreFixture;
    let store: ArtifactStore;
    beforeEach(async () => {
      fixture = await newStore();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture?.cleanup();
    });

    describe('put and get', () => {
      it('round-trips a Buffer, a string and a multi-megabyte stream', async () => {
        const bytes = randomBytes(1000);
        expect(await store.put('model/weights.bin', bytes)).toEqual({ size: 1000 });
        expect(await readAll(await store.get('model/weights.bin'))).toEqual(bytes);

        expect(await store.put('notes.txt', 'héllo')).toEqual({ size: 6 });
        expect((await readAll(await store.get('notes.txt'))).toString('utf8')).toBe('héllo');

        const big = randomBytes(5 * MiB + 123);
        expect(await store.put('data/big.bin', chunked(big, 64 * 1024))).toEqual({ size: big.length });
        const back = await readAll(await store.get('data/big.bin'));
        expect(back.length).toBe(big.length);
        expect(sha256(back)).toBe(sha256(big));
      });

      it('accepts a body matching contentLength and refuses a mismatched one without storing it', async () => {
        expect(await store.put('exact.txt', chunked(Buffer.from('12345'), 2), { contentLength: 5 })).toEqual({ size: 5 });
        await expectCode(store.put('short.txt', chunked(Buffer.from('1234'), 2), { contentLength: 5 }), 'INVALID_ARGUMENT');
        await expectCode(store.put('long.txt', Buffer.from('123456'), { contentLength: 5 }), 'INVALID_ARGUMENT');
        expect(await store.stat('short.txt')).toBeNull();
        expect(await store.stat('long.txt')).toBeNull();
      });

      it('leaves nothing behind when the body stream fails midway', async () => {
        const failing = Readable.from(
          (async function* () {
            yield randomBytes(64 * 1024);
            throw new Error('client went away');
          })(),
        );
        await expect(store.put('partial/upload.bin', failing)).rejects.toThrow();
        expect(await store.stat('partial/upload.bin')).toBeNull();
        expect(await store.list('')).toEqual([]);
      });

      it('overwrites an existing file', async () => {
        await store.put('x.txt', 'first version');
        await store.put('x.txt', 'v2');
        expect((await readAll(await store.get('x.txt'))).toString()).toBe('v2');
        expect(await store.stat('x.txt')).toEqual({ size: 2, isDir: false });
      });

      it('treats equivalent spellings of a path as the same file', async () => {
        await store.put('./a//b/c.txt/', 'same');
        expect((await readAll(await store.get('a/b/c.txt'))).toString()).toBe('same');
        expect(await store.list('a/')).toEqual([{ path: 'a/b', isDir: true }]);
      });

      it('handles unicode and spaces in names', async () => {
        const p = 'dir with space/naïve 文件 🚀.txt';
        await store.put(p, 'unicode');
        expect((await readAll(await store.get(p))).toString()).toBe('unicode');
        expect(await store.list('dir with space')).toEqual([{ path: p, isDir: false, fileSize: 7 }]);
        expect(await store.list('')).toEqual([{ path: 'dir with space', isDir: true }]);
      });

      it('reports a missing file, a directory and the root as NOT_FOUND on get', async () => {
        await store.put('dir/file.txt', 'x');
        await expectCode(store.get('missing.txt'), 'NOT_FOUND');
        await expectCode(store.get('dir/missing.txt'), 'NOT_FOUND');
        await expectCode(store.get('dir'), 'NOT_FOUND');
        await expectCode(store.get(''), 'NOT_FOUND');
      });
    });

    describe('stat and list', () => {
      beforeEach(async () => {
        await store.put('a/b.txt', 'bbb');
        await store.put('a/A.txt', 'A');
        await store.put('a/c/d.txt', 'dddd');
        await store.put('z.txt', 'zz');
        await store.put('ab.txt', 'ab');
      });

      it('stats files, directories, the root and missing paths', async () => {
        expect(await store.stat('a/b.txt')).toEqual({ size: 3, isDir: false });
        expect(await store.stat('a')).toEqual({ size: 0, isDir: true });
        expect(await store.stat('a/c')).toEqual({ size: 0, isDir: true });
        expect(await store.stat('')).toEqual({ size: 0, isDir: true });
        expect(await store.stat('nope')).toBeNull();
        expect(await store.stat('a/nope/deeper')).toBeNull();
      });

      it('lists immediate children only, directories and files with sizes, sorted by path', async () => {
        expect(await store.list('')).toEqual([
          { path: 'a', isDir: true },
          { path: 'ab.txt', isDir: false, fileSize: 2 },
          { path: 'z.txt', isDir: false, fileSize: 2 },
        ]);
        expect(await store.list('a')).toEqual([
          { path: 'a/A.txt', isDir: false, fileSize: 1 },
          { path: 'a/b.txt', isDir: false, fileSize: 3 },
          { path: 'a/c', isDir: true },
        ]);
        expect(await store.list('a/c')).toEqual([{ path: 'a/c/d.txt', isDir: false, fileSize: 4 }]);
      });

      it('lists a missing directory or a file as empty', async () => {
        expect(await store.list('missing')).toEqual([]);
        expect(await store.list('a/missing/deeper')).toEqual([]);
        expect(await store.list('z.txt')).toEqual([]);
      });
    });

    describe('delete', () => {
      it('deletes one file and forgets directories it leaves empty', async () => {
        await store.put('a/b/only.txt', '1');
        await store.put('keep.txt', '2');
        await store.delete('a/b/only.txt');
        expect(await store.stat('a/b/only.txt')).toBeNull();
        expect(await store.stat('a')).toBeNull();
        expect(await store.list('')).toEqual([{ path: 'keep.txt', isDir: false, fileSize: 1 }]);
      });

      it('deletes everything under a directory but not siblings sharing its name as a prefix', async () => {
        await store.put('a/one.txt', '1');
        await store.put('a/deep/two.txt', '2');
        await store.put('ab.txt', 'sibling');
        await store.put('a.txt', 'sibling');
        await store.delete('a');
        expect(await store.stat('a')).toBeNull();
        expect(await store.stat('a/deep/two.txt')).toBeNull();
        expect((await store.list('')).map((e) => e.path)).toEqual(['a.txt', 'ab.txt']);
      });

      it('deletes everything when given the root, and the store stays usable', async () => {
        await store.put('a/one.txt', '1');
        await store.put('two.txt', '2');
        await store.delete('');
        expect(await store.list('')).toEqual([]);
        await store.put('again.txt', '3');
        expect(await store.stat('again.txt')).toEqual({ size: 1, isDir: false });
      });

      it('treats a missing path as a no-op', async () => {
        await store.delete('never/was.txt');
        await store.delete('never');
        expect(await store.list('')).toEqual([]);
      });
    });

    describe('path safety', () => {
      // Absolute paths that would be harmful if written are only ever used with read operations.
      const escapes = ['../x', 'a/../../x', 'a\\..\\b', 'a\0b', '..', 'a/%2e%2e/x'];
      const readOnlyEscapes = [...escapes, '/etc/passwd', 'C:\\Windows\\win.ini', '\\\\server\\share'];
      const writeEscapes = [...escapes, '/ascent-contract-probe/x'];

      it('refuses traversal on every read operation with INVALID_ARGUMENT', async () => {
        for (const p of readOnlyEscapes) {
          await expectCode(store.get(p), 'INVALID_ARGUMENT', p);
          await expectCode(store.stat(p), 'INVALID_ARGUMENT', p);
          await expectCode(store.list(p), 'INVALID_ARGUMENT', p);
        }
      });

      it('refuses traversal on every write operation and writes nothing anywhere', async () => {
        await store.put('inside.txt', 'keep me');
        for (const p of writeEscapes) {
          await expectCode(store.put(p, 'escaped'), 'INVALID_ARGUMENT', p);
          await expectCode(store.delete(p), 'INVALID_ARGUMENT', p);
          await expectCode(store.createMultipartUpload(p), 'INVALID_ARGUMENT', p);
          await expectCode(store.uploadPart(p, 'upload', 1, Buffer.from('x')), 'INVALID_ARGUMENT', p);
          await expectCode(store.completeMultipartUpload(p, 'upload', [{ partNumber: 1, etag: 'e' }]), 'INVALID_ARGUMENT', p);
          await expectCode(store.abortMultipartUpload(p, 'upload'), 'INVALID_ARGUMENT', p);
        }
        expect(await store.list('')).toEqual([{ path: 'inside.txt', isDir: false, fileSize: 7 }]);
        if (fixture.parent) {
          const { store: parent, rootName } = fixture.parent;
          expect((await parent.list('')).filter((e) => e.path !== rootName)).toEqual([]);
        }
      });
    });

    describe('multipart upload', () => {
      it('assembles uploaded parts into one file', async () => {
        const first = randomBytes(MIN_PART);
        const second = Buffer.from('the last part may be small');
        const { uploadId } = await store.createMultipartUpload('models/big.bin');
        // Nothing is visible until the upload completes.
        expect(await store.list('')).toEqual([]);
        const p1 = await store.uploadPart('models/big.bin', uploadId, 1, chunked(first, 256 * 1024));
        const p2 = await store.uploadPart('models/big.bin', uploadId, 2, second);
        expect(p1.etag).toMatch(/^"[0-9a-f]{32}"$/);
        expect(p1.etag).toBe(`"${md5(first)}"`);
        expect(await store.stat('models/big.bin')).toBeNull();
        await store.completeMultipartUpload('models/big.bin', uploadId, [
          { partNumber: 1, etag: p1.etag },
          { partNumber: 2, etag: p2.etag },
        ]);
        const back = await readAll(await store.get('models/big.bin'));
        expect(sha256(back)).toBe(sha256(Buffer.concat([first, second])));
        expect(await store.list('')).toEqual([{ path: 'models', isDir: true }]);
        expect(await store.list('models')).toEqual([
          { path: 'models/big.bin', isDir: false, fileSize: first.length + second.length },
        ]);
      });

      it('refuses a completion naming a wrong etag and keeps the upload open', async () => {
        const { uploadId } = await store.createMultipartUpload('m.bin');
        const part = await store.uploadPart('m.bin', uploadId, 1, Buffer.from('only part'));
        await expectCode(
          store.completeMultipartUpload('m.bin', uploadId, [{ partNumber: 1, etag: `"${'0'.repeat(32)}"` }]),
          'INVALID_ARGUMENT',
        );
        expect(await store.stat('m.bin')).toBeNull();
        await store.completeMultipartUpload('m.bin', uploadId, [{ partNumber: 1, etag: part.etag }]);
        expect((await readAll(await store.get('m.bin'))).toString()).toBe('only part');
      });

      it('validates part numbers and completion lists', async () => {
        const { uploadId } = await store.createMultipartUpload('v.bin');
        await expectCode(store.uploadPart('v.bin', uploadId, 0, Buffer.from('x')), 'INVALID_ARGUMENT');
        await expectCode(store.uploadPart('v.bin', uploadId, 10_001, Buffer.from('x')), 'INVALID_ARGUMENT');
        await expectCode(store.completeMultipartUpload('v.bin', uploadId, []), 'INVALID_ARGUMENT');
        await expectCode(
          store.completeMultipartUpload('v.bin', uploadId, [
            { partNumber: 2, etag: '"a"' },
            { partNumber: 1, etag: '"b"' },
          ]),
          'INVALID_ARGUMENT',
        );
        await store.abortMultipartUpload('v.bin', uploadId);
      });

      it('abort leaves nothing, later parts are NOT_FOUND, and a second abort is a no-op', async () => {
        const { uploadId } = await store.createMultipartUpload('gone/file.bin');
        await store.uploadPart('gone/file.bin', uploadId, 1, Buffer.from('data'));
        await store.abortMultipartUpload('gone/file.bin', uploadId);
        expect(await store.stat('gone/file.bin')).toBeNull();
        expect(await store.list('')).toEqual([]);
        await expectCode(store.uploadPart('gone/file.bin', uploadId, 2, Buffer.from('more')), 'NOT_FOUND');
        await store.abortMultipartUpload('gone/file.bin', uploadId);
      });

      it('reports an unknown upload id as NOT_FOUND', async () => {
        await expectCode(store.uploadPart('f.bin', 'no-such-upload', 1, Buffer.from('x')), 'NOT_FOUND');
        await expectCode(
          store.completeMultipartUpload('f.bin', 'no-such-upload', [{ partNumber: 1, etag: '"x"' }]),
          'NOT_FOUND',
        );
      });
    });
  });
}

async function expectCode(promise: Promise<unknown>, code: ErrorCode, label?: string): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  expect(caught, `${label ?? ''} should fail with ${code}`).toBeDefined();
  expect((caught as { code?: unknown }).code, `${label ?? ''}: ${String(caught)}`).toBe(code);
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

/** A real stream of many chunks, so implementations cannot rely on receiving one buffer. */
function chunked(bytes: Buffer, size: number): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
    })(),
  );
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function md5(bytes: Buffer): string {
  return createHash('md5').update(bytes).digest('hex');
}
