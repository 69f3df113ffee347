import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { invalid, invalidState } from '../core/errors.js';
import type { ArtifactStore } from '../storage/artifacts/artifact-store.js';
import { joinArtifactPath, normalizeArtifactPath } from '../storage/artifacts/artifact-path.js';
import { readModelPackage } from '../registry/packages/model-package.js';

/** A staging copy untouched this long was left by a process that died mid-copy. */
const STALE_STAGING_MS = 60 * 60 * 1000;

/** Where the cache lives and what it may hold. */
export interface PackageCacheOptions {
  artifacts: ArtifactStore;
  dir: string;
  /** Refuse packages larger than this (default 4 GiB). */
  maxBytes?: number | undefined;
}

/** A package on local disk: its directory and the sha256 digest of its content. */
export interface MaterializedPackage {
  dir: string;
  digest: string;
}

/**
 * Model packages copied from the artifact store to local disk, content-addressed: `models/<digest>`
 * where the digest is sha256 over every file's path and sha256. Each copy is written to a staging
 * directory and renamed into place, so a crash never leaves half a package under its digest; a
 * `refs/<key>` file remembers which digest a store location (root, manifest uuid, file sizes) held,
 * so a restart does not copy it again. Concurrent requests for the same location share one copy.
 */
export class PackageCache {
  private readonly inflight = new Map<string, Promise<MaterializedPackage>>();
  private swept: Promise<void> | undefined;
  private readonly maxBytes: number;
  constructor(private readonly options: PackageCacheOptions) {
    this.maxBytes = options.maxBytes ?? 4 * 1024 ** 3;
  }

  async materialize(root: string, label: string): Promise<MaterializedPackage> {
    this.swept ??= this.sweepStaging();
    await this.swept;
    const pkg = await readModelPackage(this.options.artifacts, root);
    if (pkg.problems.length > 0) throw invalidState(`The package of ${label} is incomplete: ${pkg.problems.join('; ')}`);
    const total = pkg.files.reduce((s, f) => s + f.size, 0);
    if (total > this.maxBytes) throw invalidState(`The package of ${label} is ${total} bytes; the serving cache takes at most ${this.maxBytes}`);
    const key = createHash('sha256')
      .update(JSON.stringify([normalizeArtifactPath(root), pkg.manifest.model_uuid ?? null, pkg.files.map((f) => [f.path, f.size])]))
      .digest('hex');
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const work = this.lookup(key)
      .then((hit) => hit ?? this.copy(key, root, pkg.files))
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, work);
    return work;
  }

  /**
   * Remove staging copies a killed process left behind. Only old ones: another process sharing the
   * cache directory may be copying right now.
   */
  private async sweepStaging(): Promise<void> {
    const staging = path.join(this.options.dir, 'staging');
    const entries = await fs.readdir(staging).catch(() => [] as string[]);
    const cutoff = Date.now() - STALE_STAGING_MS;
    for (const name of entries) {
      const full = path.join(staging, name);
      const stat = await fs.stat(full).catch(() => null);
      if (stat && stat.mtimeMs < cutoff) await fs.rm(full, { recursive: true, force: true });
    }
  }

  private async lookup(key: string): Promise<MaterializedPackage | null> {
    try {
      const digest = (await fs.readFile(path.join(this.options.dir, 'refs', key), 'utf8')).trim();
      if (!/^[0-9a-f]{64}$/.test(digest)) return null;
      const dir = path.join(this.options.dir, 'models', digest);
      await fs.access(path.join(dir, 'MLmodel'));
      return { dir, digest };
    } catch {
      return null;
    }
  }

  private async copy(key: string, root: string, files: { path: string; size: number }[]): Promise<MaterializedPackage> {
    const staging = path.join(this.options.dir, 'staging', randomUUID());
    await fs.mkdir(staging, { recursive: true });
    try {
      const hashes: [string, string][] = [];
      for (const file of files) {
        const rel = normalizeArtifactPath(file.path);
        const target = path.resolve(staging, ...rel.split('/'));
        // normalizeArtifactPath refuses '..' already; this guards against anything it might let through.
        if (!target.startsWith(staging + path.sep)) throw invalid(`Package file '${file.path}' leaves the package`, 'files');
        await fs.mkdir(path.dirname(target), { recursive: true });
        const hash = createHash('sha256');
        let bytes = 0;
        const meter = new Transform({
          transform: (chunk: Buffer, _enc, done) => {
            bytes += chunk.length;
            if (bytes > file.size) return done(invalidState(`Package file '${rel}' grew past its listed ${file.size} bytes while copying`));
            hash.update(chunk);
            done(null, chunk);
          },
        });
        await pipeline(await this.options.artifacts.get(joinArtifactPath(root, rel)), meter, createWriteStream(target, { flags: 'wx' }));
        hashes.push([rel, hash.digest('hex')]);
      }
      const digest = createHash('sha256').update(hashes.map(([p, h]) => `${p}\0${h}\n`).join('')).digest('hex');
      const dir = path.join(this.options.dir, 'models', digest);
      await fs.mkdir(path.dirname(dir), { recursive: true });
      try {
        await fs.rename(staging, dir);
      } catch (err) {
        // Same content already in place (another process, or a different location holding the same bytes).
        if (!['ENOTEMPTY', 'EEXIST'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
      }
      await this.writeRef(key, digest);
      return { dir, digest };
    } finally {
      await fs.rm(staging, { recursive: true, force: true });
    }
  }

  private async writeRef(key: string, digest: string): Promise<void> {
    const refs = path.join(this.options.dir, 'refs');
    await fs.mkdir(refs, { recursive: true });
    const tmp = path.join(refs, `${key}.${randomUUID()}.tmp`);
    await fs.writeFile(tmp, digest);
    await fs.rename(tmp, path.join(refs, key));
  }
}
