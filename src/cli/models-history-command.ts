import type { Command } from 'commander';
import { AscentError, type RegistryEvent } from '../sdk/index.js';
import { clientFor, optionsOf, positiveInt, withUrl } from './client-command-context.js';
import { formatTime, printJson, printLine, renderTable } from './client-command-output.js';

const DEFAULT_MAX = 100;

/** `ascent models history NAME [--alias A] [--at TIME]`: the audit history, or where an alias pointed at a time. */
export function addModelsHistoryCommand(models: Command): void {
  withUrl(
    models
      .command('history')
      .description("a model's audit history, newest first; with --alias and --at, which version the alias pointed to then")
      .argument('<name>')
      .option('--alias <alias>', 'only events about this alias')
      .option('--at <time>', 'ISO-8601 time (e.g. 2026-01-31T12:00:00Z) or epoch ms; needs --alias')
      .option('--max <n>', `show at most n events (default ${DEFAULT_MAX})`)
      .option('--json', 'print JSON instead of a table'),
  ).action(async (name: string, opts: { alias?: string; at?: string; max?: string; json?: boolean }, cmd: Command) => {
    const client = clientFor(optionsOf(cmd));
    if (opts.at !== undefined) {
      if (!opts.alias) throw new AscentError('INVALID_ARGUMENT', '--at answers where an alias pointed: give --alias too', { field: 'alias' });
      const at = parseTime(opts.at);
      const answer = await client.models.aliasAt(name, opts.alias, at);
      if (opts.json) return printJson({ model: name, alias: opts.alias, at: new Date(at).toISOString(), ...answer });
      return printLine(aliasAtSentence(name, opts.alias, at, answer.version, answer.event));
    }
    const max = positiveInt(opts.max, 'max', DEFAULT_MAX);
    const events = await client.models.history(name, { ...(opts.alias ? { alias: opts.alias } : {}), limit: max });
    if (opts.json) return printJson(events);
    if (events.length === 0) return printLine(`No history${opts.alias ? ` for alias '${opts.alias}'` : ''} on model '${name}'.`);
    printLine(
      renderTable(
        [{ header: 'TIME', minWidth: 19 }, { header: 'EVENT', minWidth: 14 }, { header: 'DETAIL', minWidth: 12 }, { header: 'ACTOR', minWidth: 8 }, { header: 'REASON' }],
        events.map((e) => [formatTime(e.time), e.type, describeEvent(e), e.actor, e.reason ?? '-']),
      ),
    );
    if (events.length === max) process.stderr.write(`Showing the newest ${max} events; raise --max to see older ones.\n`);
  });
}

/** `2026-01-31T12:00:00Z`, `2026-01-31` or epoch milliseconds. */
export function parseTime(value: string): number {
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) throw new AscentError('INVALID_ARGUMENT', `--at '${value}' is neither an ISO-8601 time nor epoch milliseconds`, { field: 'at' });
  return ms;
}

export function aliasAtSentence(name: string, alias: string, at: number, version: string | null, event: RegistryEvent | null): string {
  const when = new Date(at).toISOString();
  if (version === null) {
    const why = event ? ` (deleted ${new Date(event.time).toISOString()} by ${event.actor}${event.reason ? `: ${event.reason}` : ''})` : ' (it had never been set)';
    return `At ${when}, alias '${alias}' of model '${name}' pointed to no version${why}`;
  }
  const set = event ? ` (set ${new Date(event.time).toISOString()} by ${event.actor}${event.reason ? `: ${event.reason}` : ''})` : '';
  return `At ${when}, alias '${alias}' of model '${name}' pointed to version ${version}${set}`;
}

/** The one-line gist of an event, beside its type. */
export function describeEvent(e: RegistryEvent): string {
  const v = e.version ? `v${e.version}` : '';
  const p = e.payload;
  switch (e.type) {
    case 'alias.set':
      return `${e.alias}: ${e.fromVersion ?? '-'} → ${e.toVersion}${p.requestId ? ` (${String(p.requestId)})` : ''}`;
    case 'alias.deleted':
      return `${e.alias}: ${e.fromVersion ?? '-'} → -`;
    case 'version.created':
      return `${v} from ${String(p.source ?? '?')}`;
    case 'version.stage_transitioned':
      return `${v}: ${String(p.from ?? '?')} → ${String(p.to ?? '?')}`;
    case 'model.renamed':
      return `${String(p.from ?? '?')} → ${String(p.to ?? '?')}`;
    case 'model.tag_set':
    case 'version.tag_set':
      return `${v ? `${v} ` : ''}${String(p.key)}=${String(p.value)}`;
    case 'model.tag_deleted':
    case 'version.tag_deleted':
      return `${v ? `${v} ` : ''}${String(p.key)}`;
    case 'approval.requested':
    case 'approval.approved':
    case 'approval.rejected':
      return `${e.alias} → ${v} (${String(p.requestId ?? '?')})`;
    case 'approval_rule.set':
      return `${e.alias}: ${String(p.requiredApprovals ?? '?')} approver(s)`;
    case 'approval_rule.deleted':
      return `${e.alias}`;
    default:
      return v || '-';
  }
}
