/**
 * `npm run bench:monitoring:streaming`: the streaming path's added cost per prediction — folding
 * records of 20 numeric + 5 categorical features into a window sketch (what the inference-log
 * subscriber does off the hot path) — and the window's size after each count. Writes its own
 * section of bench/RESULTS.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { profileRecords } from '../../src/monitoring/profiles/reference-profile.js';
import { WindowSketch } from '../../src/monitoring/sketches/window-sketch.js';

const REPO = path.resolve(import.meta.dirname, '..', '..');
const N = Number(process.env.BENCH_MONITORING_STREAM_ROWS ?? 1_000_000);

let seed = 42;
const u = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const record = () => {
  const r: Record<string, unknown> = {};
  for (let i = 0; i < 20; i++) r[`num_${i}`] = u() * 10 + i;
  for (let j = 0; j < 5; j++) r[`cat_${j}`] = `c${j}_${Math.floor(u() * (4 + 2 * j))}`;
  return r;
};

const reference = Array.from({ length: 20_000 }, record);
const profile = profileRecords(reference, reference.map(() => u()));
const sketch = new WindowSketch(profile);
const sizes: [number, number][] = [];
const t0 = process.hrtime.bigint();
for (let i = 1; i <= N; i++) {
  sketch.addRequest([record()], [u()]);
  if (i === 10_000 || i === 100_000 || i === N) sizes.push([i, JSON.stringify(sketch.toJSON()).length]);
}
const totalNs = Number(process.hrtime.bigint() - t0);
// Record generation is part of the loop; measure it alone and subtract.
const g0 = process.hrtime.bigint();
for (let i = 0; i < N; i++) {
  record();
  u();
}
const genNs = Number(process.hrtime.bigint() - g0);
const perPredictionUs = (totalNs - genNs) / N / 1000;

const md = [
  '## Monitoring: streaming cost per prediction (`npm run bench:monitoring:streaming`)',
  '',
  `${N.toLocaleString('en-US')} predictions of 20 numeric + 5 categorical features folded into one window sketch (bins on reference deciles, KLL quantiles, category counts) in one Node process; ${new Date().toISOString().slice(0, 16)}Z, ${os.cpus().length} CPU, node ${process.version}.`,
  '',
  `- Added cost per prediction (off the request path, in the inference log's subscriber): **${perPredictionUs.toFixed(1)} µs**.`,
  `- Window size (JSON) after ${sizes.map(([n, b]) => `${n.toLocaleString('en-US')} predictions: ${(b / 1024).toFixed(1)} KB`).join('; ')}.`,
  '',
].join('\n');
const START = '<!-- bench:monitoring-streaming:start -->';
const END = '<!-- bench:monitoring-streaming:end -->';
const file = path.join(REPO, 'bench', 'RESULTS.md');
let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmark results\n';
const block = `${START}\n${md.trim()}\n${END}\n`;
const a = text.indexOf(START);
const b = text.indexOf(END);
text = a >= 0 && b > a ? text.slice(0, a) + block + text.slice(b + END.length + 1) : `${text.trimEnd()}\n\n${block}`;
fs.writeFileSync(file, text);
console.log(md);
