/** The body of an upload: a stream of unknown length, or bytes already in memory. */
export type ArtifactBody = NodeJS.ReadableStream | Buffer | string;

/** One child of a listed directory; `path` is relative to the store root. */
export interface ArtifactEntry {
  path: string;
  isDir: boolean;
  /** Present for files only. */
  fileSize?: number;
}

/** Options for `ArtifactStore.put`. */
export interface PutArtifactOptions {
  /** When given, a body of any other length is refused and nothing is stored. */
  contentLength?: number;
}

/** One uploaded part named when completing a multipart upload. */
export interface CompletedPart {
  partNumber: number;
  etag: string;
}

/**
 * An ArtifactStore is the persistence port for run and model artifacts: a tree of files addressed
 * by normalized relative paths, backed by local disk or an S3-compatible object store.
 *
 * Every method normalizes its path with `normalizeArtifactPath` before any I/O, so traversal is
 * refused with INVALID_ARGUMENT and nothing is read or written.
 */
export interface ArtifactStore {
  readonly kind: 'fs' | 's3';
  /** Human/URI form of the root, e.g. file:///abs/dir or s3://bucket/prefix */
  readonly rootUri: string;
  /** Store a file, replacing any previous one; readers see the old or the new file, never a mix. */
  put(path: string, body: ArtifactBody, options?: PutArtifactOptions): Promise<{ size: number }>;
  /** Stream a file's bytes; NOT_FOUND if it is missing or a directory. */
  get(path: string): Promise<NodeJS.ReadableStream>;
  /** Size and kind of a path, or null when nothing is there. */
  stat(path: string): Promise<{ size: number; isDir: boolean } | null>;
  /** Immediate children only, sorted by path; [] for a missing directory. */
  list(path: string): Promise<ArtifactEntry[]>;
  /** Delete a file, or everything under a directory prefix; a missing path is a no-op. */
  delete(path: string): Promise<void>;
  /** Start a multipart upload (MLflow's mpu routes) whose parts are assembled into `path`. */
  createMultipartUpload(path: string): Promise<{ uploadId: string }>;
  /** Store one part (numbered 1..10000); the returned etag is quoted, as S3 returns it. */
  uploadPart(
    path: string,
    uploadId: string,
    partNumber: number,
    body: NodeJS.ReadableStream | Buffer,
  ): Promise<{ etag: string }>;
  /** Assemble the listed parts, in ascending part order, into the file at `path`. */
  completeMultipartUpload(path: string, uploadId: string, parts: CompletedPart[]): Promise<void>;
  /** Discard an upload and its parts; an unknown upload is a no-op so retries are safe. */
  abortMultipartUpload(path: string, uploadId: string): Promise<void>;
  close?(): Promise<void>;
}
