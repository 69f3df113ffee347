import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureS3Server, s3Availability, type S3TestServer } from '../../../test/support/s3-server.js';
import { runArtifactStoreContract } from './artifact-store.contract.js';
import { S3ArtifactStore } from './s3-artifact-store.js';

// One real S3-compatible server (moto, or CI's) per file; each test gets its own key prefix.
let server: Promise<S3TestServer> | undefined;
afterAll(async () => (await server)?.stop());
const availability = s3Availability();

runArtifactStoreContract(
  'S3ArtifactStore (real S3-compatible server)',
  async () => {
    const { endpoint, bucket, region, credentials } = await (server ??= ensureS3Server());
    const open = (uri: string) => new S3ArtifactStore(uri, { endpoint, region, credentials });
    const parent = open(`s3://${bucket}/${randomBytes(6).toString('hex')}`);
    const store = open(`${parent.rootUri}/root`);
    return {
      store,
      parent: { store: parent, rootName: 'root' },
      cleanup: async () => {
        await parent.delete('');
        await Promise.all([store.close(), parent.close()]);
      },
    };
  },
  availability.available ? {} : { unavailable: availability },
);

describe.runIf(availability.available)('S3ArtifactStore configured only from the environment', () => {
  it('finds the endpoint in MLFLOW_S3_ENDPOINT_URL and credentials through the SDK default chain', async () => {
    const { endpoint, bucket } = await (server ??= ensureS3Server());
    const store = new S3ArtifactStore(`s3://${bucket}/env-${randomBytes(4).toString('hex')}`, {
      env: { MLFLOW_S3_ENDPOINT_URL: endpoint },
    });
    await store.put('x.txt', 'from env');
    expect(await store.stat('x.txt')).toEqual({ size: 8, isDir: false });
    await store.delete('');
    await store.close();
  });
});
