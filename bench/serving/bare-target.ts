import path from 'node:path';
import { freePort, REPO_ROOT } from '../support/servers.js';
import { launchServer, type BenchProcess } from './serving-processes.js';

/** The bare onnxruntime-node handler (bench/serving/bare-onnx.ts `<model.onnx> <port>`: GET /health, POST /invocations). */
export async function startBare(onnxFile: string, workDir: string): Promise<BenchProcess & { route: string }> {
  const port = await freePort();
  const proc = await launchServer(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'bench/serving/bare-onnx.ts'), onnxFile, String(port)], {
    port, cwd: REPO_ROOT, logFile: path.join(workDir, 'bare.log'), healthPath: '/health', startTimeoutMs: 60_000,
  });
  return { ...proc, route: '/invocations' };
}
