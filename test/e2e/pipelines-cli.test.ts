import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { startServer, type RunningServer } from '../../src/server.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
const exec = promisify(execFile);

// The real `ascent` CLI (as a process) against a real server: what a person types.
describe('ascent pipelines (CLI)', () => {
  let server: RunningServer;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-pipelines-cli-'));
  const cli = async (...args: string[]): Promise<{ code: number; out: string }> => {
    try {
      const { stdout } = await exec(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'src/cli/main.ts'), 'pipelines', ...args, '--url', server.url], { cwd: REPO_ROOT, timeout: 120_000 });
      return { code: 0, out: stdout };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, out: `${e.stdout}${e.stderr}` };
    }
  };
  beforeAll(async () => {
    server = await startServer(loadConfig({ dataDir: path.join(dir, 'data'), port: 0, logLevel: 'silent' }, {}));
    fs.writeFileSync(path.join(dir, 'make.mjs'), "import fs from 'node:fs';\nconsole.log('size', process.env.ASCENT_PARAM_SIZE);\nfs.writeFileSync(process.env.ASCENT_OUTPUT_OUT, 'x'.repeat(Number(process.env.ASCENT_PARAM_SIZE)));\n");
    fs.writeFileSync(path.join(dir, 'pipeline.yaml'), 'name: cli-demo\nparams:\n  size: { type: integer, default: 3 }\nsteps:\n  make: { run: node make.mjs, outputs: { out: out.txt } }\n  check: { run: [node, -e, "process.exit(0)"], inputs: { x: steps.make.outputs.out } }\n');
  });
  afterAll(async () => {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs a file with live progress, then shows, lists, prints logs and explains the cache', async () => {
    const first = await cli('run', path.join(dir, 'pipeline.yaml'));
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/Pipeline cli-demo version 1/);
    expect(first.out).toMatch(/make\s+succeeded/);
    const runId = /Run (plr_[0-9a-f]+) started/.exec(first.out)![1]!;

    const second = await cli('run', 'cli-demo', '-p', 'size=5', '--json');
    const detail = JSON.parse(second.out) as { run: { runId: string; params: Record<string, unknown> }; steps: { stepName: string; cacheStatus: string }[] };
    expect(detail.run.params).toEqual({ size: 5 });
    expect(detail.steps.find((s) => s.stepName === 'make')!.cacheStatus).toBe('miss');

    const explained = await cli('explain', detail.run.runId, 'make');
    expect(explained.out).toContain('param:size');
    expect(explained.out).toMatch(/param:size\s+│?\s*3\s+│?\s*5/);

    expect((await cli('show', runId)).out).toMatch(/check\s+│?\s*succeeded/);
    expect((await cli('logs', runId, 'make')).out).toContain('size 3');
    expect((await cli('ls')).out).toContain('cli-demo');
    expect((await cli('ls', 'cli-demo')).out).toContain(runId);

    const refused = await cli('resume', runId);
    expect(refused.code).toBe(2);
    expect(refused.out).toContain('INVALID_STATE');
  });

  it('names the line of a bad definition and exits 2', async () => {
    fs.writeFileSync(path.join(dir, 'bad.yaml'), 'name: bad\nsteps:\n  a: { run: x, inputs: { i: steps.b.outputs.o } }\n');
    const bad = await cli('run', path.join(dir, 'bad.yaml'));
    expect(bad.code).toBe(2);
    expect(bad.out).toContain("bad.yaml:3: steps.a.inputs.i: unknown step 'b'");
  });
});
