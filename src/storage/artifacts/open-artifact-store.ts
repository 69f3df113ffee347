import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { invalid } from '../../core/errors.js';
import type { ArtifactStore } from './artifact-store.js';
import { FsArtifactStore } from './fs-artifact-store.js';
import { S3ArtifactStore, type S3ArtifactStoreOptions } from './s3-artifact-store.js';

/** Options for `openArtifactStore`; by default everything comes from the URI and the environment. */
export interface OpenArtifactStoreOptions {
  s3?: S3ArtifactStoreOptions;
}

/**
 * Open the artifact store a configuration URI names: `s3://bucket/prefix` → S3, `file:///abs/dir`
 * or a plain path (relative ones resolve against the working directory) → local disk.
 */
export function openArtifactStore(uri: string, options: OpenArtifactStoreOptions = {}): ArtifactStore {
  if (typeof uri !== 'string' || uri.trim() === '') throw invalid('Artifact store URI must not be empty', 'artifactsUri');
  if (uri.startsWith('s3://')) return new S3ArtifactStore(uri, options.s3);
  if (uri.startsWith('file:')) {
    let dir: string;
    try {
      dir = fileURLToPath(uri);
    } catch (err) {
      throw invalid(`'${uri}' is not a local file URI: ${(err as Error).message}`, 'artifactsUri');
    }
    return new FsArtifactStore(dir);
  }
  // A one-letter "scheme" is a Windows drive (`C:\data`), not a URI.
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]+):/.exec(uri)?.[1];
  if (scheme !== undefined) {
    throw invalid(`Unsupported artifact store URI scheme '${scheme}:' in '${uri}'; use s3://, file:// or a path`, 'artifactsUri');
  }
  return new FsArtifactStore(path.resolve(uri));
}
