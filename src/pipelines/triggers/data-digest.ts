import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ListObjectsV2Command, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

/** Largest number of entries a watched location may hold; beyond it the check fails loudly. */
const MAX_ENTRIES = 1_000_000;

/**
 * Digest of a watched location's listing, so a data trigger notices new or changed data without
 * reading it: local files by (relative path, size, mtime), S3 objects by (key, size, ETag).
 * A missing location has the digest of an empty listing.
 */
export type DataDigester = (uri: string) => Promise<string>;

export const digestDataLocation: DataDigester = async (uri) => (uri.startsWith('s3://') ? digestS3Prefix(uri) : digestLocalPath(uri));

async function digestLocalPath(uri: string): Promise<string> {
  const root = path.resolve(uri.startsWith('file://') ? new URL(uri).pathname : uri);
  const hash = createHash('sha256');
  let count = 0;
  const walk = async (abs: string, rel: string): Promise<void> => {
    let stat;
    try {
      stat = await fs.stat(abs);
    } catch {
      return;
    }
    if (stat.isDirectory()) {
      const names = (await fs.readdir(abs)).sort();
      for (const name of names) await walk(path.join(abs, name), rel === '' ? name : `${rel}/${name}`);
      return;
    }
    if (++count > MAX_ENTRIES) throw new Error(`'${uri}' holds more than ${MAX_ENTRIES} files`);
    hash.update(`${rel}\0${stat.size}\0${stat.mtimeMs}\n`);
  };
  await walk(root, '');
  return `sha256:${hash.digest('hex')}`;
}

function s3Config(env: NodeJS.ProcessEnv = process.env): S3ClientConfig {
  const endpoint = [env.AWS_ENDPOINT_URL_S3, env.AWS_ENDPOINT_URL, env.MLFLOW_S3_ENDPOINT_URL].find((v) => v !== undefined && v !== '');
  const config: S3ClientConfig = { region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1', forcePathStyle: endpoint !== undefined };
  if (endpoint !== undefined) {
    config.endpoint = endpoint;
    config.requestChecksumCalculation = 'WHEN_REQUIRED';
    config.responseChecksumValidation = 'WHEN_REQUIRED';
  }
  return config;
}

let client: S3Client | undefined;

async function digestS3Prefix(uri: string): Promise<string> {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new Error(`'${uri}' is not an s3://bucket/prefix URI`);
  const [, bucket, prefix] = match as unknown as [string, string, string];
  client ??= new S3Client(s3Config());
  const hash = createHash('sha256');
  let token: string | undefined;
  let count = 0;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      if (++count > MAX_ENTRIES) throw new Error(`'${uri}' holds more than ${MAX_ENTRIES} objects`);
      hash.update(`${o.Key ?? ''}\0${o.Size ?? 0}\0${o.ETag ?? ''}\n`);
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return `sha256:${hash.digest('hex')}`;
}
