import type { Command } from 'commander';
import { invalid } from '../core/errors.js';
import { datasetFormat, readDatasetColumns } from '../monitoring/profiles/dataset-file-reader.js';
import { profileColumns } from '../monitoring/profiles/reference-profile.js';
import { chooseColumns } from '../monitoring/profiles/registration-profiler.js';
import type { ProfileStatusReport } from '../sdk/index.js';
import { clientFor, optionsOf, withUrl } from './client-command-context.js';
import { printJson, printLine, renderTable } from './client-command-output.js';

interface UploadFlags {
  file: string;
  predictionColumn?: string;
  exclude?: string;
  json?: boolean;
}

/**
 * `ascent monitor profile upload|show`: a model version's reference profile. Upload profiles a
 * CSV, Parquet or JSON-lines file here (streamed into columns, never sent row by row) and stores the
 * profile on the server; show prints the profile and what became of computing it at registration.
 */
export function addMonitorProfileCommands(monitor: Command): void {
  const profile = monitor.command('profile').description("a model version's reference profile: upload one from a file, show it and its registration status");

  withUrl(
    profile
      .command('upload')
      .description('profile a CSV/Parquet/JSON-lines file of reference data and store it for a model version')
      .argument('<name>', 'registered model')
      .argument('<version>', 'model version')
      .requiredOption('--file <path>', 'reference data (.csv, .parquet, .jsonl)')
      .option('--prediction-column <name>', "column with the model's predictions (default: a column named like a signature output, else the one column that is not a signature input)")
      .option('--exclude <names>', 'comma-separated columns to leave out (ids)')
      .option('--json', 'print the stored profile summary as JSON'),
  ).action(async (name: string, versionName: string, flags: UploadFlags, cmd: Command) => {
    const format = datasetFormat(flags.file);
    if (!format) throw invalid(`--file: ${flags.file} is not .csv, .parquet or .jsonl`, 'file');
    const client = clientFor(optionsOf(cmd));
    // The same column choice as at registration: the version's signature decides, flags override.
    const version = await client.models.getVersion(name, versionName);
    const file = await readDatasetColumns(flags.file, format, 'file');
    if (file.rows === 0) throw invalid(`--file: ${flags.file} has no rows`, 'file');
    const exclude = new Set((flags.exclude ?? '').split(',').map((s) => s.trim()).filter(Boolean));
    const names = file.columns.map((c) => c.name).filter((n) => !exclude.has(n));
    let { features, prediction } = chooseColumns(names, version);
    if (flags.predictionColumn !== undefined) {
      if (!names.includes(flags.predictionColumn)) throw invalid(`--prediction-column: no column '${flags.predictionColumn}' in ${flags.file}`, 'prediction-column');
      prediction = flags.predictionColumn;
      features = (features.includes(prediction) || features.length === 0 ? names : features).filter((n) => n !== prediction);
    }
    const keep = new Set([...features, ...(prediction ? [prediction] : [])]);
    const computed = profileColumns({ columns: file.columns.filter((c) => keep.has(c.name)), rows: file.rows }, prediction ?? undefined);
    const stored = await client.monitoring.uploadProfile({ modelName: name, modelVersion: versionName, profile: computed });
    if (flags.json) return printJson(stored);
    printLine(`stored profile ${stored.profileId} for ${stored.modelName} version ${stored.modelVersion}: ${stored.rows} rows, ${stored.features.length} features${stored.prediction ? `, prediction (${prediction}) ${stored.prediction}` : ', no prediction column'}`);
  });

  withUrl(
    profile
      .command('show')
      .description("a version's reference profile (per feature) and the outcome of computing it at registration")
      .argument('<name>', 'registered model')
      .argument('<version>', 'model version')
      .option('--json', 'print the full profile and status as JSON'),
  ).action(async (name: string, versionName: string, flags: { json?: boolean }, cmd: Command) => {
    const client = clientFor(optionsOf(cmd));
    const status = await client.monitoring.profileStatus(name, versionName);
    const full = status.profile ? await client.monitoring.getProfile(name, versionName) : null;
    if (flags.json) return printJson({ ...status, profile: full });
    printLine(renderStatus(status));
    if (!full) return;
    const p = full.profile;
    const rows = [...p.features, ...(p.prediction ? [{ ...p.prediction, name: `${p.prediction.name} (prediction)` }] : [])].map((f) =>
      f.kind === 'numeric'
        ? [f.name, 'numeric', String(f.count), String(f.missing), `${fmt(f.min)} .. ${fmt(f.max)}`, `mean ${fmt(f.mean)}, std ${fmt(f.std)}`]
        : [f.name, 'categorical', String(f.count), String(f.missing), `${Object.keys(f.frequencies).length} categories`, Object.entries(f.frequencies).slice(0, 3).map(([k, v]) => `${k}:${v}`).join(' ')],
    );
    printLine(renderTable([{ header: 'FEATURE' }, { header: 'KIND' }, { header: 'COUNT', align: 'right' }, { header: 'MISSING', align: 'right' }, { header: 'RANGE' }, { header: 'SUMMARY' }], rows));
  });
}

function renderStatus(s: ProfileStatusReport): string {
  const lines: string[] = [];
  const p = s.profile;
  lines.push(p ? `profile ${p.profileId} (${p.source}, ${new Date(p.createdTime).toISOString().slice(0, 19)}Z): ${p.rows} rows, ${p.features.length} features, prediction ${p.prediction ?? 'none'}` : `no reference profile for ${s.modelName} version ${s.modelVersion}`);
  const r = s.registration;
  if (!r) lines.push('at registration: not attempted');
  else lines.push(`at registration: ${r.status}${r.reason ? ` (${r.reason})` : ''}${r.dataset ? `, dataset ${r.dataset.name}@${r.dataset.digest}` : ''}`);
  return lines.join('\n');
}

const fmt = (x: number | null) => (x === null || !Number.isFinite(x) ? '-' : Math.abs(x) >= 1e5 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(3) : String(Number(x.toFixed(4))));
