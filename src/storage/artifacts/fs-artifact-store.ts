import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { invalid, invalidState, notFound } from '../../core/errors.js';
import { bodyToReadable } from './artifact-body.js';
import { normalizeArtifactPath } from './artifact-path.js';
import type { ArtifactBody, ArtifactEntry, ArtifactStore, CompletedPart, PutArtifactOptions } from './artifact-store.js';
import { BodyMeter } from './body-meter.js';
import { checkCompletedParts, checkPartNumber, unquoteEtag } from './multipart-parts.js';

/** In-progress multipart uploads live here, inside the root so completing is a same-disk rename. */
const MPU_DIR = '.ascent-mpu';
/** Prefix of the temporary file a put writes before renaming it into place. */
const TMP_PREFIX = '.ascent-tmp-';
const UPLOAD_ID = /^[0-9a-f]{32}$/;

/** An artifact store on local disk, rooted at an absolute directory. */
export class FsArtifactStore implements ArtifactStore {
  readonly kind = 'fs' as const;
  readonly rootUri: string;
  /** The absolute root directory as configured. */
  readonly root: string;
  /** The root with symlinks resolved; every path the store touches must resolve inside it. */
  private readonly realRoot: string;

  constructor(root: string) {
    if (!path.isAbsolute(root)) throw invalid(`Artifact root '${root}' must be an absolute path`, 'root');
    this.root = path.resolve(root);
    fs.mkdirSync(this.root, { recursive: true });
    this.realRoot = fs.realpathSync(this.root);
    this.rootUri = pathToFileURL(this.root).href;
  }

  async put(p: string, body: ArtifactBody, options: PutArtifactOptions = {}): Promise<{ size: number }> {
    const { rel, abs } = await this.locateFile(p);
    const meter = new BodyMeter({ expectedLength: options.contentLength });
    await this.writeAtomically(rel, abs, bodyToReadable(body), meter);
    return { size: meter.bytes };
  }

  async get(p: string): Promise<NodeJS.ReadableStream> {
    const { rel, abs } = await this.locate(p);
    if (rel === '') throw notFound('The artifact root is a directory, not a file');
    let handle: FileHandle;
    try {
      handle = await fsp.open(abs, 'r');
    } catch (err) {
      if (isMissing(err) || errorCode(err) === 'EISDIR') throw notFound(`Artifact '${rel}' not found`);
      throw err;
    }
    // Opening a directory read-only succeeds on Linux, so the kind is checked on the open handle.
    if (!(await handle.stat()).isFile()) {
      await handle.close();
      throw notFound(`Artifact '${rel}' is a directory, not a file`);
    }
    return handle.createReadStream();
  }

  async stat(p: string): Promise<{ size: number; isDir: boolean } | null> {
    const { abs } = await this.locate(p);
    try {
      const stats = await fsp.stat(abs);
      if (stats.isDirectory()) return { size: 0, isDir: true };
      return stats.isFile() ? { size: stats.size, isDir: false } : null;
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async list(p: string): Promise<ArtifactEntry[]> {
    const { rel, abs } = await this.locate(p);
    let dirents: fs.Dirent[];
    try {
      dirents = await fsp.readdir(abs, { withFileTypes: true });
    } catch (err) {
      if (isMissing(err)) return [];
      throw err;
    }
    const entries: ArtifactEntry[] = [];
    for (const dirent of dirents) {
      if (isReserved(dirent.name, rel === '') || !isAddressable(dirent.name)) continue;
      const childAbs = path.join(abs, dirent.name);
      const childRel = rel === '' ? dirent.name : `${rel}/${dirent.name}`;
      // A symlink leading out of the root is not part of the store, so it is not listed either.
      if (dirent.isSymbolicLink() && !(await this.resolvesInside(childAbs))) continue;
      const stats = await fsp.stat(childAbs).catch(() => undefined);
      if (stats?.isDirectory()) entries.push({ path: childRel, isDir: true });
      else if (stats?.isFile()) entries.push({ path: childRel, isDir: false, fileSize: stats.size });
    }
    return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async delete(p: string): Promise<void> {
    const { rel, abs } = await this.locate(p);
    if (rel === '') {
      // Keep the root itself and in-progress uploads, as deleting every key under an S3 prefix does.
      for (const name of await fsp.readdir(abs)) {
        if (!isReserved(name, true)) await fsp.rm(path.join(abs, name), { recursive: true, force: true });
      }
      return;
    }
    await fsp.rm(abs, { recursive: true, force: true });
    await this.pruneEmptyDirs(path.dirname(abs));
  }

  async createMultipartUpload(p: string): Promise<{ uploadId: string }> {
    const { rel } = await this.locateFile(p);
    const uploadId = randomUUID().replaceAll('-', '');
    const dir = this.uploadDir(uploadId);
    await fsp.mkdir(dir, { recursive: true });
    // The target is recorded so a part or completion naming another path is refused, as S3 does.
    await fsp.writeFile(path.join(dir, 'target'), rel);
    return { uploadId };
  }

  async uploadPart(
    p: string,
    uploadId: string,
    partNumber: number,
    body: NodeJS.ReadableStream | Buffer,
  ): Promise<{ etag: string }> {
    checkPartNumber(partNumber);
    const { dir } = await this.openUpload(p, uploadId);
    const meter = new BodyMeter({ md5: true });
    const partFile = path.join(dir, partFileName(partNumber));
    await this.writeAtomically(`part ${partNumber}`, partFile, bodyToReadable(body), meter);
    return { etag: meter.etag() };
  }

  async completeMultipartUpload(p: string, uploadId: string, parts: CompletedPart[]): Promise<void> {
    checkCompletedParts(parts);
    const { rel, abs, dir } = await this.openUpload(p, uploadId);
    // Each part is hashed as it is copied; a wrong etag fails the write before the rename.
    const source = Readable.from(concatenateParts(dir, parts), { objectMode: false });
    await this.writeAtomically(rel, abs, source, new BodyMeter());
    await fsp.rm(dir, { recursive: true, force: true });
  }

  async abortMultipartUpload(p: string, uploadId: string): Promise<void> {
    let dir: string;
    try {
      ({ dir } = await this.openUpload(p, uploadId));
    } catch (err) {
      if (errorCode(err) === 'NOT_FOUND') return;
      throw err;
    }
    await fsp.rm(dir, { recursive: true, force: true });
  }

  /** Normalize a path, refuse reserved names, and prove it resolves inside the root. */
  private async locate(p: string): Promise<{ rel: string; abs: string }> {
    const rel = normalizeArtifactPath(p);
    const segments = rel === '' ? [] : rel.split('/');
    if (segments.some((segment, i) => isReserved(segment, i === 0))) {
      throw invalid(`Artifact path '${rel}' uses a name reserved for in-progress uploads`, 'path');
    }
    const abs = path.join(this.root, ...segments);
    if (!(await this.resolvesInside(abs))) {
      throw invalid(`Artifact path '${rel}' resolves outside the artifact root through a symlink`, 'path');
    }
    return { rel, abs };
  }

  private async locateFile(p: string): Promise<{ rel: string; abs: string }> {
    const located = await this.locate(p);
    if (located.rel === '') throw invalid('Artifact path must name a file, not the root', 'path');
    return located;
  }

  /**
   * Whether `abs` lands inside the root once symlinks are followed. The deepest existing ancestor
   * decides, because that is where a write would create its first new entry. There is a window
   * between this check and the I/O; it guards against links in the tree, not a concurrent attacker.
   */
  private async resolvesInside(abs: string): Promise<boolean> {
    for (let probe = abs; ; probe = path.dirname(probe)) {
      try {
        return isInside(this.realRoot, await fsp.realpath(probe));
      } catch (err) {
        if (!isMissing(err)) throw err;
      }
      // A dangling symlink's destination cannot be checked, so it is treated as leading outside.
      const link = await fsp.lstat(probe).catch(() => undefined);
      if (link?.isSymbolicLink()) return false;
      if (path.dirname(probe) === probe) return false;
    }
  }

  private uploadDir(uploadId: string): string {
    return path.join(this.root, MPU_DIR, uploadId);
  }

  private async openUpload(p: string, uploadId: string): Promise<{ rel: string; abs: string; dir: string }> {
    const { rel, abs } = await this.locateFile(p);
    // The id becomes a directory name, so only ids of the shape this store issues are looked up.
    if (typeof uploadId !== 'string' || !UPLOAD_ID.test(uploadId)) {
      throw notFound(`Multipart upload '${String(uploadId)}' not found`);
    }
    const dir = this.uploadDir(uploadId);
    const target = await fsp.readFile(path.join(dir, 'target'), 'utf8').catch(() => undefined);
    if (target !== rel) throw notFound(`Multipart upload '${uploadId}' for '${rel}' not found`);
    return { rel, abs, dir };
  }

  /**
   * Write to a temporary file beside the target, fsync it, then rename it into place, so a reader
   * or a crash sees the old file or the whole new one, never part of it.
   */
  private async writeAtomically(rel: string, abs: string, source: Readable, meter: Transform): Promise<void> {
    const dir = path.dirname(abs);
    const tmp = path.join(dir, `${TMP_PREFIX}${randomUUID()}`);
    const handle = await this.createTempFile(rel, dir, tmp);
    let closed = false;
    let committed = false;
    try {
      await pipeline(source, meter, async (chunks: AsyncIterable<Buffer>) => {
        for await (const chunk of chunks) await handle.write(chunk);
      });
      await handle.sync();
      await handle.close();
      closed = true;
      await fsp.rename(tmp, abs).catch((err: unknown) => {
        if (errorCode(err) === 'EISDIR' || errorCode(err) === 'ENOTEMPTY') {
          throw invalidState(`Artifact path '${rel}' is a directory`);
        }
        throw err;
      });
      committed = true;
      await syncDirectory(dir);
    } finally {
      if (!closed) await handle.close().catch(() => undefined);
      if (!committed) {
        await fsp.rm(tmp, { force: true });
        await this.pruneEmptyDirs(dir);
      }
    }
  }

  private async createTempFile(rel: string, dir: string, tmp: string): Promise<FileHandle> {
    // A concurrent delete may prune the directory between mkdir and open; retry that race briefly.
    for (let attempt = 1; ; attempt++) {
      try {
        await fsp.mkdir(dir, { recursive: true });
        return await fsp.open(tmp, 'wx');
      } catch (err) {
        if (errorCode(err) === 'ENOTDIR' || errorCode(err) === 'EEXIST') {
          throw invalidState(`A parent of artifact path '${rel}' is a file`);
        }
        if (errorCode(err) !== 'ENOENT' || attempt >= 3) throw err;
      }
    }
  }

  /** Remove directories left empty, up to the root, so disk and S3 list the same tree. */
  private async pruneEmptyDirs(from: string): Promise<void> {
    for (let dir = from; dir !== this.root && isInside(this.root, dir); dir = path.dirname(dir)) {
      try {
        await fsp.rmdir(dir);
      } catch {
        return; // not empty (or already gone): nothing above it can be empty either
      }
    }
  }
}

async function* concatenateParts(dir: string, parts: CompletedPart[]): AsyncGenerator<Buffer> {
  for (const part of parts) {
    const hash = createHash('md5');
    try {
      for await (const chunk of fs.createReadStream(path.join(dir, partFileName(part.partNumber)))) {
        hash.update(chunk as Buffer);
        yield chunk as Buffer;
      }
    } catch (err) {
      if (isMissing(err)) throw invalid(`Part ${part.partNumber} was never uploaded`, 'parts');
      throw err;
    }
    if (hash.digest('hex') !== unquoteEtag(part.etag)) {
      throw invalid(`Part ${part.partNumber} etag does not match the uploaded part`, 'parts');
    }
  }
}

function partFileName(partNumber: number): string {
  return `${String(partNumber).padStart(5, '0')}.part`;
}

/** Names the store uses for its own bookkeeping; they are never listed nor addressable. */
function isReserved(name: string, atRoot: boolean): boolean {
  return (atRoot && name === MPU_DIR) || name.startsWith(TMP_PREFIX);
}

/** A name on disk that no artifact path can address (e.g. one containing `\`) is not listed. */
function isAddressable(name: string): boolean {
  try {
    return normalizeArtifactPath(name) === name;
  } catch {
    return false;
  }
}

function isInside(root: string, candidate: string): boolean {
  const prefix = root.endsWith(path.sep) ? root : root + path.sep;
  return candidate === root || candidate.startsWith(prefix);
}

/** Persist the rename itself; a directory cannot be opened for fsync on Windows, where it is skipped. */
async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await fsp.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
}

function isMissing(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'ENOENT' || code === 'ENOTDIR';
}
