import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureS3Server, s3Availability, type S3TestServer } from '../../../test/support/s3-server.js';
import { digestDataLocation } from './data-digest.js';

// Real folders and a real S3-compatible server (moto, or CI's): the digest moves exactly when data does.
const availability = s3Availability();
let server: S3TestServer | undefined;
afterAll(async () => server?.stop());

describe('data location digests', () => {
  it('a local folder: new, changed and removed files change the digest; nothing else does', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-digest-'));
    try {
      const empty = await digestDataLocation(path.join(dir, 'missing'));
      expect(await digestDataLocation(dir)).toBe(empty);
      fs.writeFileSync(path.join(dir, 'a.csv'), '1\n');
      const one = await digestDataLocation(dir);
      expect(one).not.toBe(empty);
      expect(await digestDataLocation(dir)).toBe(one);
      fs.mkdirSync(path.join(dir, 'day=2'));
      fs.writeFileSync(path.join(dir, 'day=2', 'b.csv'), '2\n');
      const two = await digestDataLocation(`file://${dir}`);
      expect(two).not.toBe(one);
      fs.writeFileSync(path.join(dir, 'a.csv'), '1,2\n');
      const changed = await digestDataLocation(dir);
      expect(changed).not.toBe(two);
      fs.rmSync(path.join(dir, 'day=2'), { recursive: true });
      expect(await digestDataLocation(dir)).not.toBe(changed);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!availability.available && availability.skip)('an S3 prefix: a new object or a rewritten one (new ETag) changes the digest', async () => {
    server = await ensureS3Server();
    process.env.AWS_ENDPOINT_URL_S3 = server.endpoint;
    process.env.AWS_REGION = server.region;
    const s3 = new S3Client({ endpoint: server.endpoint, region: server.region, forcePathStyle: true, credentials: server.credentials });
    const put = (key: string, body: string) => s3.send(new PutObjectCommand({ Bucket: server!.bucket, Key: key, Body: body }));
    const uri = `s3://${server.bucket}/landing/`;
    const empty = await digestDataLocation(uri);
    await put('landing/part-0.csv', 'x\n1\n');
    await put('elsewhere/part-0.csv', 'x\n9\n');
    const one = await digestDataLocation(uri);
    expect(one).not.toBe(empty);
    await put('elsewhere/part-1.csv', 'x\n8\n');
    expect(await digestDataLocation(uri)).toBe(one);
    await put('landing/part-0.csv', 'x\n2\n'); // same size, new content
    const rewritten = await digestDataLocation(uri);
    expect(rewritten).not.toBe(one);
    await put('landing/part-1.csv', 'x\n3\n');
    expect(await digestDataLocation(uri)).not.toBe(rewritten);
    s3.destroy();
  });
});
