import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AppServices } from '../../src/http/app-services.js';
import { makeOnnxPackage } from '../fixtures/serving/iris-packages.js';

/**
 * Registers the skl2onnx iris classifier as `versions` versions of `name` in a real registry: the
 * package files go to the server's artifact store and each version's source points at them.
 */
export async function registerIrisOnnx(services: AppServices, name: string, versions: number): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-iris-pkg-'));
  try {
    await registerPackageDir(services, name, makeOnnxPackage(dir), versions);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Registers the package in `dir` (files at its top level and below) as `versions` versions of `name`. */
export async function registerPackageDir(services: AppServices, name: string, dir: string, versions = 1): Promise<void> {
  await services.registry.createModel({ name }, { user: 'test' });
  const files = (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile());
  for (let v = 1; v <= versions; v++) {
    const root = `packages/${name}/v${v}`;
    for (const file of files) await services.artifacts.put(`${root}/${file.split(path.sep).join('/')}`, fs.readFileSync(path.join(dir, file)));
    await services.registry.createVersion({ name, source: `mlflow-artifacts:/${root}` }, { user: 'test' });
  }
}
