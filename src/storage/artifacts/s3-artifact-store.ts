import { pipeline, Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { AscentError, invalid, isAscentError, notFound } from '../../core/errors.js';
import { bodyToReadable, readBodyToBuffer } from './artifact-body.js';
import { normalizeArtifactPath } from './artifact-path.js';
import type { ArtifactBody, ArtifactEntry, ArtifactStore, CompletedPart, PutArtifactOptions } from './artifact-store.js';
import { BodyMeter, checkContentLength } from './body-meter.js';
import { checkCompletedParts, checkPartNumber } from './multipart-parts.js';

/** Connection settings for an S3ArtifactStore; anything left out comes from the environment. */
export interface S3ArtifactStoreOptions {
  /** S3-compatible endpoint (MinIO, moto, R2…); default from AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL or MLFLOW_S3_ENDPOINT_URL. */
  endpoint?: string;
  /** Default from AWS_REGION or AWS_DEFAULT_REGION, else us-east-1. */
  region?: string;
  /** Default true when an endpoint is set, since most S3-compatible servers lack virtual-host buckets. */
  forcePathStyle?: boolean;
  /** Default: the SDK's credential chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profiles, roles). */
  credentials?: S3ClientConfig['credentials'];
  /** Where defaults are read from; process.env unless a caller needs isolation. */
  env?: NodeJS.ProcessEnv;
}

/** DeleteObjects accepts at most this many keys per request. */
const DELETE_BATCH = 1000;

/** An artifact store in an S3 bucket, optionally under a key prefix. */
export class S3ArtifactStore implements ArtifactStore {
  readonly kind = 's3' as const;
  readonly rootUri: string;
  readonly bucket: string;
  /** Key prefix of the root, without a trailing slash; '' for the bucket root. */
  readonly prefix: string;
  private readonly client: S3Client;

  constructor(uri: string, options: S3ArtifactStoreOptions = {}) {
    ({ bucket: this.bucket, prefix: this.prefix } = parseS3Uri(uri));
    this.rootUri = `s3://${this.bucket}${this.prefix === '' ? '' : `/${this.prefix}`}`;
    this.client = new S3Client(clientConfig(options));
  }

  async put(p: string, body: ArtifactBody, options: PutArtifactOptions = {}): Promise<{ size: number }> {
    const rel = normalizeFile(p);
    const Key = this.key(rel);
    const expected = checkContentLength(options.contentLength);
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      const bytes = Buffer.from(body);
      if (expected !== undefined && bytes.length !== expected) {
        throw invalid(`Body has ${bytes.length} bytes but contentLength declared ${expected}`, 'contentLength');
      }
      await this.attempt('put', rel, () => this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: bytes })));
      return { size: bytes.length };
    }
    // A stream's length is unknown (or untrusted) up front, so Upload sends it in parts as it
    // arrives; a failing or mismatched body aborts the upload and leaves no object behind.
    const meter = new BodyMeter({ expectedLength: expected });
    const metered = pipeline(bodyToReadable(body), meter, () => undefined);
    const upload = new Upload({ client: this.client, params: { Bucket: this.bucket, Key, Body: metered } });
    try {
      await upload.done();
    } catch (err) {
      // Release the caller's stream if S3 failed first; when the body failed, its error says more.
      metered.destroy();
      translate(meter.errored ?? err, 'put', rel);
    }
    return { size: meter.bytes };
  }

  async get(p: string): Promise<NodeJS.ReadableStream> {
    const rel = normalizeArtifactPath(p);
    if (rel === '') throw notFound('The artifact root is a directory, not a file');
    const res = await this.attempt('get', rel, () =>
      this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(rel) })),
    );
    return (res.Body as Readable | undefined) ?? Readable.from([]);
  }

  async stat(p: string): Promise<{ size: number; isDir: boolean } | null> {
    const rel = normalizeArtifactPath(p);
    if (rel === '') return { size: 0, isDir: true };
    const Key = this.key(rel);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      return { size: head.ContentLength ?? 0, isDir: false };
    } catch (err) {
      if (!isMissingKey(err)) translate(err, 'stat', rel);
    }
    // S3 has no directories: a path is one when some key lies under it.
    const under = await this.attempt('stat', rel, () =>
      this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${Key}/`, MaxKeys: 1 })),
    );
    return (under.KeyCount ?? 0) > 0 ? { size: 0, isDir: true } : null;
  }

  async list(p: string): Promise<ArtifactEntry[]> {
    const rel = normalizeArtifactPath(p);
    const Prefix = this.dirPrefix(rel);
    const entries: ArtifactEntry[] = [];
    let token: string | undefined;
    do {
      const ContinuationToken = token;
      const page = await this.attempt('list', rel, () =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix, Delimiter: '/', ContinuationToken })),
      );
      for (const common of page.CommonPrefixes ?? []) {
        const name = (common.Prefix ?? '').slice(Prefix.length, -1);
        if (isAddressable(name)) entries.push({ path: childPath(rel, name), isDir: true });
      }
      for (const object of page.Contents ?? []) {
        // An empty name is a "folder marker" object some tools create for the prefix itself.
        const name = (object.Key ?? '').slice(Prefix.length);
        if (isAddressable(name)) entries.push({ path: childPath(rel, name), isDir: false, fileSize: object.Size ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async delete(p: string): Promise<void> {
    const rel = normalizeArtifactPath(p);
    if (rel !== '') {
      await this.attempt('delete', rel, () =>
        this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(rel) })),
      );
    }
    const Prefix = this.dirPrefix(rel);
    let token: string | undefined;
    do {
      // A listing page holds at most 1000 keys, so each page is exactly one DeleteObjects batch.
      const ContinuationToken = token;
      const page = await this.attempt('delete', rel, () =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix, MaxKeys: DELETE_BATCH, ContinuationToken })),
      );
      const Objects = (page.Contents ?? []).flatMap((object) => (object.Key === undefined ? [] : [{ Key: object.Key }]));
      if (Objects.length > 0) {
        const res = await this.attempt('delete', rel, () =>
          this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects, Quiet: true } })),
        );
        const failed = res.Errors?.[0];
        if (failed) {
          throw new AscentError('INTERNAL', `S3 could not delete '${failed.Key}': ${failed.Code} ${failed.Message}`);
        }
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async createMultipartUpload(p: string): Promise<{ uploadId: string }> {
    const rel = normalizeFile(p);
    const res = await this.attempt('createMultipartUpload', rel, () =>
      this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: this.key(rel) })),
    );
    if (!res.UploadId) throw new AscentError('INTERNAL', `S3 returned no upload id for '${rel}'`);
    return { uploadId: res.UploadId };
  }

  async uploadPart(
    p: string,
    uploadId: string,
    partNumber: number,
    body: NodeJS.ReadableStream | Buffer,
  ): Promise<{ etag: string }> {
    const rel = normalizeFile(p);
    checkPartNumber(partNumber);
    // UploadPart needs a Content-Length; a part is bounded by the client's chunk size, so it is
    // buffered in memory rather than spilled to disk.
    const Body = await readBodyToBuffer(body);
    const res = await this.attemptOnUpload('uploadPart', rel, uploadId, () =>
      this.client.send(
        new UploadPartCommand({ Bucket: this.bucket, Key: this.key(rel), UploadId: uploadId, PartNumber: partNumber, Body }),
      ),
    );
    if (!res.ETag) throw new AscentError('INTERNAL', `S3 returned no etag for part ${partNumber} of '${rel}'`);
    return { etag: res.ETag };
  }

  async completeMultipartUpload(p: string, uploadId: string, parts: CompletedPart[]): Promise<void> {
    const rel = normalizeFile(p);
    checkCompletedParts(parts);
    const Parts = parts.map((part) => ({ PartNumber: part.partNumber, ETag: part.etag }));
    await this.attemptOnUpload('completeMultipartUpload', rel, uploadId, () =>
      this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: this.key(rel),
          UploadId: uploadId,
          MultipartUpload: { Parts },
        }),
      ),
    );
  }

  async abortMultipartUpload(p: string, uploadId: string): Promise<void> {
    const rel = normalizeFile(p);
    try {
      await this.attempt('abortMultipartUpload', rel, () =>
        this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.key(rel), UploadId: uploadId })),
      );
    } catch (err) {
      if (isAscentError(err) && err.code === 'NOT_FOUND') return;
      throw err;
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  private key(rel: string): string {
    return this.prefix === '' ? rel : rel === '' ? this.prefix : `${this.prefix}/${rel}`;
  }

  /** The key prefix of everything under a directory; '' lists the whole bucket. */
  private dirPrefix(rel: string): string {
    const key = this.key(rel);
    return key === '' ? '' : `${key}/`;
  }

  /**
   * Like `attempt`, for calls on an existing multipart upload. Some S3-compatible servers (moto
   * 5.2 among them) answer an unknown upload id with a 500 instead of NoSuchUpload, so an
   * unexpected failure is followed by a ListParts probe that tells "no such upload" apart.
   */
  private async attemptOnUpload<T>(operation: string, rel: string, uploadId: string, call: () => Promise<T>): Promise<T> {
    try {
      return await this.attempt(operation, rel, call);
    } catch (err) {
      if (!isAscentError(err) || err.code !== 'INTERNAL') throw err;
      const probe = new ListPartsCommand({ Bucket: this.bucket, Key: this.key(rel), UploadId: uploadId, MaxParts: 1 });
      await this.attempt(operation, rel, () => this.client.send(probe));
      throw err;
    }
  }

  /** Run one S3 call, translating its failure into the error catalogue. */
  private async attempt<T>(operation: string, rel: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      return translate(err, operation, rel);
    }
  }
}

/** Split `s3://bucket/optional/prefix` into a bucket and a normalized key prefix. */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(uri);
  const bucket = match?.[1];
  if (!bucket || /[\s\\]/.test(bucket)) throw invalid(`'${uri}' is not an s3://bucket/prefix URI`, 'uri');
  try {
    return { bucket, prefix: normalizeArtifactPath(match[2] ?? '') };
  } catch (err) {
    throw invalid(`'${uri}' has an invalid key prefix: ${(err as Error).message}`, 'uri');
  }
}

function clientConfig(options: S3ArtifactStoreOptions): S3ClientConfig {
  const env = options.env ?? process.env;
  const endpoint = options.endpoint ?? firstSet(env.AWS_ENDPOINT_URL_S3, env.AWS_ENDPOINT_URL, env.MLFLOW_S3_ENDPOINT_URL);
  const config: S3ClientConfig = {
    region: options.region ?? firstSet(env.AWS_REGION, env.AWS_DEFAULT_REGION) ?? 'us-east-1',
    forcePathStyle: options.forcePathStyle ?? endpoint !== undefined,
  };
  if (endpoint !== undefined) {
    config.endpoint = endpoint;
    // Recent SDKs add CRC checksums to every request by default, which several S3-compatible
    // servers reject; only send them where the API requires one, unless the user chose otherwise.
    if (!env.AWS_REQUEST_CHECKSUM_CALCULATION) config.requestChecksumCalculation = 'WHEN_REQUIRED';
    if (!env.AWS_RESPONSE_CHECKSUM_VALIDATION) config.responseChecksumValidation = 'WHEN_REQUIRED';
  }
  if (options.credentials !== undefined) config.credentials = options.credentials;
  return config;
}

function firstSet(...values: (string | undefined)[]): string | undefined {
  return values.find((value) => value !== undefined && value !== '');
}

function normalizeFile(p: string): string {
  const rel = normalizeArtifactPath(p);
  if (rel === '') throw invalid('Artifact path must name a file, not the root', 'path');
  return rel;
}

function childPath(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

/** Keys that no artifact path can address (`a//b`, `..`, `x\y`) are not listed. */
function isAddressable(name: string): boolean {
  if (name === '' || name.includes('/')) return false;
  try {
    return normalizeArtifactPath(name) === name;
  } catch {
    return false;
  }
}

function isMissingKey(err: unknown): boolean {
  const name = (err as { name?: string } | undefined)?.name;
  return name === 'NoSuchKey' || name === 'NotFound';
}

/** Map S3 errors onto the error catalogue; unknown failures become INTERNAL with the S3 error as cause. */
function translate(err: unknown, operation: string, rel: string): never {
  if (isAscentError(err)) throw err;
  const name = (err as { name?: string } | undefined)?.name ?? 'Error';
  const message = (err as { message?: string } | undefined)?.message ?? String(err);
  switch (name) {
    case 'NoSuchKey':
    case 'NotFound':
      throw notFound(`Artifact '${rel}' not found`);
    case 'NoSuchUpload':
      throw notFound(`Multipart upload for '${rel}' not found`);
    case 'NoSuchBucket':
      throw notFound(`S3 bucket does not exist (${message})`);
    case 'EntityTooSmall':
    case 'InvalidPart':
    case 'InvalidPartOrder':
      throw invalid(`S3 refused the multipart upload of '${rel}': ${name}: ${message}`, 'parts');
    default:
      throw new AscentError('INTERNAL', `S3 ${operation} of '${rel}' failed: ${name}: ${message}`, { cause: err });
  }
}
