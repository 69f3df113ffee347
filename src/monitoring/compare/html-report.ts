import type { CompareReport, FeatureHistogram } from './compare-datasets.js';

/**
 * The comparison as one self-contained HTML page (no scripts, no external assets): the dataset
 * verdict, a drift table per feature and reference-vs-current histograms as inline SVG.
 */
export function renderHtmlReport(report: CompareReport): string {
  const d = report.drift;
  const rows = d.features
    .map((f) => {
      const score = f.pValue !== null ? `p = ${fmt(f.pValue)}` : f.distance !== null ? `distance = ${fmt(f.distance)}` : '—';
      return `<tr class="${f.drifted ? 'drift' : ''}"><td>${esc(f.feature)}</td><td>${f.type}</td><td>${f.test}</td><td>${fmt(f.statistic)}</td><td>${score}</td><td>${fmt(f.threshold)}</td><td>${f.drifted ? 'DRIFT' : 'ok'}</td><td>${svg(report.histograms[f.feature])}</td></tr>`;
    })
    .join('\n');
  const quality = report.quality
    .map((q) => `<tr><td>${esc(q.feature)}</td><td>${q.type}</td><td>${pct(q.referenceMissingRate)}</td><td>${pct(q.currentMissingRate)}</td><td>${q.typeErrors}</td><td>${q.outOfRange}</td><td>${q.unseenCategories}</td></tr>`)
    .join('\n');
  const schema = [
    ...report.schema.missingInCurrent.map((c) => `<li>${esc(c)}: missing in the current data</li>`),
    ...report.schema.extraInCurrent.map((c) => `<li>${esc(c)}: not in the reference</li>`),
    ...report.schema.skipped.map((s) => `<li>${esc(s.feature)}: ${esc(s.reason)}</li>`),
  ].join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ascent drift report</title>
<style>
body{font:14px system-ui,sans-serif;margin:24px;color:#1b1f24}
table{border-collapse:collapse;margin:12px 0}td,th{padding:4px 10px;border-bottom:1px solid #ddd;text-align:left;vertical-align:middle}
tr.drift td{background:#fff1f0}.verdict{font-size:18px;font-weight:600}.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}
</style></head><body>
<h1>Drift report</h1>
<p>Reference <code>${esc(report.reference.file)}</code> (${report.reference.rows} rows) · current <code>${esc(report.current.file)}</code> (${report.current.rows} rows)</p>
<p class="verdict">${d.datasetDrift ? 'Dataset drift detected' : 'No dataset drift'}: ${d.driftedCount} of ${d.features.length} features drifted (share ${fmt(d.driftShare)}, threshold ${fmt(d.shareThreshold)})</p>
<p class="legend"><span style="background:#8796a5"></span>reference<span style="background:#d9480f"></span>current</p>
<table><thead><tr><th>feature</th><th>type</th><th>test</th><th>statistic</th><th>score</th><th>threshold</th><th>verdict</th><th>distribution</th></tr></thead><tbody>
${rows}
</tbody></table>
<h2>Data quality</h2>
<table><thead><tr><th>feature</th><th>type</th><th>missing (ref)</th><th>missing (cur)</th><th>type errors</th><th>out of range</th><th>unseen categories</th></tr></thead><tbody>
${quality}
</tbody></table>
${schema ? `<h2>Schema</h2><ul>${schema}</ul>` : ''}
</body></html>
`;
}

function svg(h: FeatureHistogram | undefined): string {
  if (!h || h.reference.length === 0) return '';
  const width = 220;
  const height = 48;
  const n = h.reference.length;
  const max = Math.max(...h.reference, ...h.current, 1e-12);
  const bw = width / n;
  const bars = (values: number[], offset: number, color: string) =>
    values.map((v, i) => `<rect x="${(i * bw + offset * bw * 0.5).toFixed(1)}" y="${(height - (v / max) * height).toFixed(1)}" width="${(bw * 0.5).toFixed(1)}" height="${((v / max) * height).toFixed(1)}" fill="${color}"/>`).join('');
  return `<svg width="${width}" height="${height}" role="img" aria-label="reference vs current">${bars(h.reference, 0, '#8796a5')}${bars(h.current, 1, '#d9480f')}</svg>`;
}

const fmt = (x: number): string => (Number.isNaN(x) ? '—' : Math.abs(x) >= 1e-3 || x === 0 ? x.toFixed(4) : x.toExponential(3));
const pct = (x: number): string => `${(x * 100).toFixed(2)} %`;
const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
