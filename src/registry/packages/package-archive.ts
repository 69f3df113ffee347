import { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { createGzip } from 'node:zlib';
import { pack as tarPack, type Pack } from 'tar-stream';
import type { ArtifactStore } from '../../storage/artifacts/artifact-store.js';
import { joinArtifactPath } from '../../storage/artifacts/artifact-path.js';
import type { PackageFile } from './model-package.js';

/** Options for `packageArchive`. */
export interface PackageArchiveOptions {
  /** Folder every entry sits in, so unpacking never spills files into the current directory. */
  prefix: string;
  /** Modification time of every entry: the version's creation time makes the archive reproducible. */
  mtime: Date;
}

/**
 * Stream a package as a gzipped tar, one file at a time straight from the artifact store (no
 * file is held in memory whole). A read error ends the stream with that error.
 */
export function packageArchive(artifacts: ArtifactStore, root: string, files: readonly PackageFile[], options: PackageArchiveOptions): Readable {
  const pack = tarPack();
  const gzip = createGzip();
  // tar-stream's pack is a streamx stream; as an async iterable it feeds Node's pipeline.
  pipeline(Readable.from(pack), gzip, () => undefined);
  void (async () => {
    for (const file of files) {
      await addEntry(pack, await artifacts.get(joinArtifactPath(root, file.path)), { name: `${options.prefix}/${file.path}`, size: file.size, mtime: options.mtime, mode: 0o644 });
    }
    pack.finalize();
  })().catch((err: unknown) => gzip.destroy(err as Error));
  return gzip;
}

function addEntry(pack: Pack, source: NodeJS.ReadableStream, header: { name: string; size: number; mtime: Date; mode: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const entry = pack.entry(header, (err) => (err ? reject(err) : resolve()));
    void (async () => {
      for await (const chunk of source) {
        if (!entry.write(chunk as Buffer)) await new Promise<void>((drained) => entry.once('drain', () => drained()));
      }
      entry.end(null);
    })().catch((err: unknown) => {
      entry.destroy(err as Error);
      reject(err as Error);
    });
  });
}
