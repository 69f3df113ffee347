import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openArtifactStore } from './open-artifact-store.js';

describe('openArtifactStore', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-open-store-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('opens local disk from a file:// URI or an absolute path', () => {
    const fromUri = openArtifactStore(pathToFileURL(path.join(dir, 'by-uri')).href);
    expect(fromUri.kind).toBe('fs');
    expect(fromUri.rootUri).toBe(pathToFileURL(path.join(dir, 'by-uri')).href);
    expect(openArtifactStore(path.join(dir, 'by-path')).rootUri).toBe(pathToFileURL(path.join(dir, 'by-path')).href);
  });

  it('resolves a relative path against the working directory', () => {
    const relative = path.relative(process.cwd(), path.join(dir, 'relative'));
    expect(openArtifactStore(relative).rootUri).toBe(pathToFileURL(path.join(dir, 'relative')).href);
  });

  it('opens S3 from an s3:// URI, normalizing the prefix', async () => {
    const store = openArtifactStore('s3://my-bucket/some//prefix/', { s3: { region: 'eu-west-1' } });
    expect(store.kind).toBe('s3');
    expect(store.rootUri).toBe('s3://my-bucket/some/prefix');
    expect(openArtifactStore('s3://my-bucket').rootUri).toBe('s3://my-bucket');
    await store.close?.();
  });

  it.each(['gs://bucket/x', 'http://example.com/artifacts', 'mlflow-artifacts:/x', '', 's3://', 's3://bucket/../x'])(
    'refuses %j with INVALID_ARGUMENT',
    (uri) => {
      expect(() => openArtifactStore(uri)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    },
  );
});
