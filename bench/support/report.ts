/** Result rows and the markdown they are written as. */
import fs from 'node:fs';

export interface Row {
  measure: string;
  mlflow: string;
  ascent: string;
  /** Ascent's advantage (×), already oriented so that higher is better for Ascent. */
  ratio: string;
  target: string;
  met: '✅ yes' | '❌ no' | '—';
}

export interface ScenarioReport {
  id: string;
  title: string;
  rows: Row[];
  notes: string[];
  error?: string;
}

export const fmtInt = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
export const fmtMs = (n: number): string => (!Number.isFinite(n) ? 'n/a' : n >= 100 ? `${Math.round(n).toLocaleString('en-US')} ms` : `${n.toFixed(n >= 10 ? 1 : 2)} ms`);
export const fmtRatio = (n: number): string => (!Number.isFinite(n) ? 'n/a' : n >= 10 ? `${Math.round(n)}×` : `${n.toFixed(2)}×`);
export const met = (ok: boolean | undefined): Row['met'] => (ok === undefined ? '—' : ok ? '✅ yes' : '❌ no');

export function scenarioMarkdown(s: ScenarioReport): string {
  const out = [`### ${s.title}`, ''];
  if (s.rows.length > 0) {
    out.push('| measure | MLflow | Ascent | ratio (Ascent advantage) | target | met? |', '|---|---:|---:|---:|---|---|');
    for (const r of s.rows) out.push(`| ${r.measure} | ${r.mlflow} | ${r.ascent} | ${r.ratio} | ${r.target} | ${r.met} |`);
    out.push('');
  }
  if (s.error) out.push(`**Scenario failed:** \`${s.error.replace(/`/g, "'").split('\n')[0]}\``, '');
  for (const n of s.notes) out.push(`- ${n}`);
  if (s.notes.length > 0) out.push('');
  return out.join('\n');
}

const START = '<!-- bench:tracking:start -->';
const END = '<!-- bench:tracking:end -->';

/** Replace this benchmark's section of RESULTS.md (other benchmarks may own other sections). */
export function writeSection(file: string, markdown: string): void {
  const block = `${START}\n${markdown.trim()}\n${END}\n`;
  let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmark results\n\nWritten by the benchmark scripts under `bench/`; each owns the section between its markers.\n\n';
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a >= 0 && b > a) text = text.slice(0, a) + block + text.slice(b + END.length + 1);
  else text = text.trimEnd() + '\n\n' + block;
  fs.writeFileSync(file, text);
}
