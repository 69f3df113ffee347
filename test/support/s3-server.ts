import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';

/** A reachable S3-compatible server with a fresh bucket for one test file. */
export interface S3TestServer {
  endpoint: string;
  bucket: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Remove the bucket (on an external server) or stop the server this helper started. */
  stop: () => Promise<void>;
}

/** Whether an S3 server can be had here, and if not, why and whether the caller opted to skip. */
export type S3Availability = { available: true } | { available: false; reason: string; skip: boolean };

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REGION = 'us-east-1';
const STARTUP_TIMEOUT_MS = 30_000;

/** The moto_server binary in the project's Python venv (ASCENT_PYTHON_VENV overrides `.venv`). */
export function motoServerBinary(): string {
  const venv = process.env.ASCENT_PYTHON_VENV || path.join(REPO_ROOT, '.venv');
  return process.platform === 'win32'
    ? path.join(venv, 'Scripts', 'moto_server.exe')
    : path.join(venv, 'bin', 'moto_server');
}

/** Decide, without starting anything, whether S3-backed tests can run. */
export function s3Availability(): S3Availability {
  if (process.env.ASCENT_SKIP_S3 === '1') {
    return { available: false, skip: true, reason: 'ASCENT_SKIP_S3=1 is set' };
  }
  if (process.env.ASCENT_TEST_S3_ENDPOINT || fs.existsSync(motoServerBinary())) return { available: true };
  return {
    available: false,
    skip: false,
    reason:
      `No S3-compatible server for the artifact-store tests: ASCENT_TEST_S3_ENDPOINT is not set and ` +
      `${motoServerBinary()} does not exist. Install it with ` +
      `'python3 -m venv .venv && .venv/bin/pip install -r test/compat/requirements.txt', ` +
      `point ASCENT_TEST_S3_ENDPOINT at a running server, or set ASCENT_SKIP_S3=1 to skip these tests.`,
  };
}

/**
 * Use the server CI started at ASCENT_TEST_S3_ENDPOINT, or start moto's server from the venv on a
 * free local port; either way create a uniquely named bucket. Credentials are dummies that moto
 * accepts; they are also put in the environment (when unset) so the SDK's default chain finds them.
 */
export async function ensureS3Server(): Promise<S3TestServer> {
  const credentials = {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID || 'test',
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY || 'test',
  };
  process.env.AWS_ACCESS_KEY_ID ||= credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY ||= credentials.secretAccessKey;

  const external = process.env.ASCENT_TEST_S3_ENDPOINT;
  let child: ChildProcess | undefined;
  let endpoint: string;
  if (external) {
    endpoint = external.replace(/\/+$/, '');
  } else {
    const availability = s3Availability();
    if (!availability.available) throw new Error(availability.reason);
    ({ child, endpoint } = await startMoto());
  }

  const client = new S3Client({ endpoint, region: REGION, forcePathStyle: true, credentials });
  const bucket = `ascent-test-${randomBytes(6).toString('hex')}`;
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (err) {
    client.destroy();
    await stopChild(child);
    throw new Error(`Could not create test bucket on ${endpoint}: ${(err as Error).message}`, { cause: err });
  }

  return {
    endpoint,
    bucket,
    region: REGION,
    credentials,
    stop: async () => {
      try {
        // A server this helper started dies with its buckets; a shared one is tidied up.
        if (!child) await emptyAndDeleteBucket(client, bucket);
      } finally {
        client.destroy();
        await stopChild(child);
      }
    },
  };
}

async function startMoto(): Promise<{ child: ChildProcess; endpoint: string }> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(motoServerBinary(), ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `exited with ${code ?? signal}`;
  });
  child.once('error', (err) => {
    exited = `failed to start: ${err.message}`;
  });

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`moto_server ${exited} before answering on ${endpoint}:\n${output}`);
    try {
      await fetch(endpoint, { signal: AbortSignal.timeout(1000) });
      return { child, endpoint };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  await stopChild(child);
  throw new Error(`moto_server did not answer on ${endpoint} within ${STARTUP_TIMEOUT_MS} ms:\n${output}`);
}

/** Ask the OS for an unused port; moto binds it a moment later (a rare clash fails loudly at startup). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

async function emptyAndDeleteBucket(client: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    const objects = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
    if (objects.length === 0) break;
    await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
  }
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
}
