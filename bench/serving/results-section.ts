import fs from 'node:fs';

const START = '<!-- bench:serving:start -->';
const END = '<!-- bench:serving:end -->';

/** Replace bench/serving's section of RESULTS.md (other benchmarks own the other sections). */
export function writeServingSection(file: string, markdown: string): void {
  const block = `${START}\n${markdown.trim()}\n${END}\n`;
  let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmark results\n\n';
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a >= 0 && b > a) text = text.slice(0, a) + block + text.slice(b + END.length + 1);
  else text = text.trimEnd() + '\n\n' + block;
  fs.writeFileSync(file, text);
}
