import fs from 'node:fs';
import path from 'node:path';
import { freePort, REPO_ROOT } from '../support/servers.js';
import { launchServer, type BenchProcess } from './serving-processes.js';

/**
 * The bare onnxruntime-node handler to compare against: bench/serving/bare-onnx.ts when the runtimes
 * work provides it (run as `bare-onnx.ts <model.onnx> <port>`, answering GET /health and
 * POST /invocations), else bare-fallback.ts with the same contract.
 */
export async function startBare(onnxFile: string, workDir: string): Promise<(BenchProcess & { route: string }) | null> {
  const own = path.join(REPO_ROOT, 'bench/serving/bare-onnx.ts');
  const script = fs.existsSync(own) ? own : path.join(REPO_ROOT, 'bench/serving/bare-fallback.ts');
  const port = await freePort();
  const proc = await launchServer(process.execPath, ['--import', 'tsx', script, onnxFile, String(port)], {
    port, cwd: REPO_ROOT, logFile: path.join(workDir, 'bare.log'), healthPath: '/health', startTimeoutMs: 60_000,
  });
  return { ...proc, route: '/invocations' };
}
