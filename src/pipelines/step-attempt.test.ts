import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FsArtifactStore } from '../storage/artifacts/fs-artifact-store.js';
import { fileDigest } from './content-digest.js';
import { LocalExecutor } from './local-executor.js';
import type { StepTask } from './step-executor.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-attempt-'));
const artifacts = new FsArtifactStore(path.join(dir, 'artifacts'));
const executor = new LocalExecutor({ artifacts, workRoot: path.join(dir, 'work') });
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const task = (over: Partial<StepTask>): StepTask => ({
  pipelineRunId: 'plr_1', stepRunId: `psr_${Math.random().toString(16).slice(2)}`, stepName: 's', attempt: 1, kind: 'command',
  cwd: dir, env: {}, params: {}, inputs: [], outputs: [], outputPrefix: 'out/p', timeoutMs: 0, ...over,
});
const run = (t: StepTask, signal = new AbortController().signal) => {
  const logs: string[] = [];
  return executor.execute(t, { onLog: (_s, l) => logs.push(l), signal }).then((r) => ({ ...r, logs }));
};

describe('runStepAttempt (real child processes, real artifact store on disk)', () => {
  it('fetches inputs, streams logs, uploads declared outputs with digests', async () => {
    await artifacts.put('data/in.txt', 'hello\n');
    const script = 'const fs=require("fs");const t=fs.readFileSync(process.env.ASCENT_INPUT_RAW,"utf8");console.log("read",t.trim());' +
      'fs.writeFileSync(process.env.ASCENT_OUTPUT_UPPER,t.toUpperCase());fs.writeFileSync(process.env.ASCENT_OUTPUT_DIR+"/folder/a.txt","A");console.error("done")';
    const r = await run(task({
      command: ['node', '-e', script],
      inputs: [{ name: 'raw', artifactPath: 'data/in.txt', digest: 'x', isDir: false }],
      outputs: [{ name: 'upper', path: 'upper.txt' }, { name: 'folder', path: 'folder', isDir: true }],
    }));
    expect(r.status).toBe('succeeded');
    expect(r.logs).toEqual(['read hello', 'done']);
    const upper = r.outputs.find((o) => o.name === 'upper')!;
    expect(upper.artifactPath).toBe('out/p/upper.txt');
    const tmp = path.join(dir, 'check.txt');
    fs.writeFileSync(tmp, 'HELLO\n');
    expect(upper.digest).toBe(await fileDigest(tmp));
    expect(r.outputs.find((o) => o.name === 'folder')).toMatchObject({ isDir: true, sizeBytes: 1 });
    expect((await artifacts.stat('out/p/folder/a.txt'))?.size).toBe(1);
  });

  it('fails when a declared output is missing, and reports exit codes', async () => {
    const missing = await run(task({ command: ['node', '-e', ''], outputs: [{ name: 'm', path: 'm.bin' }] }));
    expect(missing.status).toBe('failed');
    expect(missing.error).toContain("declared output 'm'");
    const exit = await run(task({ command: ['node', '-e', 'process.exit(3)'] }));
    expect(exit).toMatchObject({ status: 'failed', exitCode: 3 });
  });

  it('kills a command at its timeout and on cancellation', async () => {
    const timed = await run(task({ command: ['node', '-e', 'setTimeout(()=>{},60000)'], timeoutMs: 300 }));
    expect(timed.status).toBe('timed_out');
    const controller = new AbortController();
    const pending = run(task({ command: ['node', '-e', 'console.log("started");setTimeout(()=>{},60000)'] }), controller.signal);
    setTimeout(() => controller.abort(), 300);
    expect((await pending).status).toBe('cancelled');
  });

  it('runs a TypeScript function step in process', async () => {
    const mod = path.join(dir, 'fn-step.ts');
    fs.writeFileSync(mod, `import fs from 'node:fs';\nexport async function go(ctx: { params: { n: number }; outputs: Record<string, string>; log: (m: string) => void }): Promise<void> {\n  ctx.log('n is ' + ctx.params.n);\n  fs.writeFileSync(ctx.outputs.result, String(ctx.params.n * 2));\n}\n`);
    const r = await run(task({ kind: 'function', module: mod, exportName: 'go', params: { n: 21 }, outputs: [{ name: 'result', path: 'r.txt' }] }));
    expect(r.status).toBe('succeeded');
    expect(r.logs).toEqual(['n is 21']);
    expect(r.outputs[0]).toMatchObject({ name: 'result', sizeBytes: 2 });
  });
});
