import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AppServices } from '../../src/http/app-services.js';
import { makeOnnxPackage } from '../fixtures/serving/iris-packages.js';

/**
 * Registers the skl2onnx iris classifier as `versions` versions of `name` in a real registry: the
 * package files go to the server's artifact store and each version's source points at them.
 */
export async function registerIrisOnnx(services: AppServices, name: string, versions: number, makePackage: (dir: string) => string = makeOnnxPackage): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-iris-pkg-'));
  try {
    makePackage(dir);
    await services.registry.createModel({ name }, { user: 'test' });
    for (let v = 1; v <= versions; v++) {
      const root = `packages/${name}/v${v}`;
      for (const file of fs.readdirSync(dir)) await services.artifacts.put(`${root}/${file}`, fs.readFileSync(path.join(dir, file)));
      await services.registry.createVersion({ name, source: `mlflow-artifacts:/${root}` }, { user: 'test' });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
