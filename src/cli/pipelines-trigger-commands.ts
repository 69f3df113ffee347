import type { Command } from 'commander';
import { AscentError } from '../core/errors.js';
import type { AscentClient, CreateTriggerParams, PipelineTrigger, TriggerFiring } from '../sdk/index.js';
import { clientFor, optionsOf, positiveInt, repeatable, withUrl } from './client-command-context.js';
import { formatTime, printJson, printLine, renderTable } from './client-command-output.js';
import { parseParamFlags } from './pipelines-source.js';

/** What a trigger watches, in one short phrase for tables. */
export function describeTrigger(t: PipelineTrigger): string {
  const c = t.config as Record<string, unknown>;
  switch (t.kind) {
    case 'schedule':
      return `cron ${String(c.cron)} ${String(c.timezone)} (missed: ${String(c.missed)})`;
    case 'data':
      return `new data at ${String(c.uri)} (every ${String(c.pollSeconds)} s)`;
    case 'upstream':
      return `${String(c.pipeline)} ${(c.statuses as string[]).join('/')}`;
    default:
      return `event ${String(c.eventType)}`;
  }
}

function printTriggers(items: PipelineTrigger[], empty: string): void {
  if (items.length === 0) return printLine(empty);
  printLine(renderTable(
    [{ header: 'ID', minWidth: 24 }, { header: 'PIPELINE', minWidth: 10 }, { header: 'KIND' }, { header: 'ENABLED' }, { header: 'WHEN', minWidth: 20 }, { header: 'PARAMS' }],
    items.map((t) => [t.triggerId, t.pipeline, t.kind, t.enabled ? 'yes' : 'no', describeTrigger(t), Object.keys(t.params).length ? JSON.stringify(t.params) : '-']),
  ));
}

function printFirings(items: TriggerFiring[]): void {
  if (items.length === 0) return printLine('No firings yet.');
  printLine(renderTable(
    [{ header: 'FIRED', minWidth: 19 }, { header: 'PIPELINE' }, { header: 'TRIGGER', minWidth: 24 }, { header: 'CAUSE' }, { header: 'SLOT', minWidth: 12 }, { header: 'RUN', minWidth: 24 }, { header: 'STATUS' }],
    items.map((f) => [formatTime(f.firedTime), f.pipeline, f.triggerId, f.cause, f.slotKey, f.runId ?? '-', f.error ? `${f.status}: ${f.error}` : f.status]),
  ));
}

const create = async (client: AscentClient, params: CreateTriggerParams, json?: boolean) => {
  const t = await client.pipelineTriggers.create(params);
  if (json) return printJson(t);
  printLine(`Created ${t.kind} ${t.triggerId} for ${t.pipeline}: ${describeTrigger(t)}`);
};

/** `ascent pipelines schedule …` and `ascent pipelines triggers …`, added to the `pipelines` command. */
export function registerPipelineTriggerCommands(pipelines: Command): void {
  const schedule = pipelines.command('schedule').description('cron schedules of pipelines');
  withUrl(
    schedule
      .command('add')
      .description('run a pipeline on a cron schedule (5 fields, or 6 with seconds first)')
      .argument('<pipeline>')
      .argument('<cron>', 'e.g. "0 3 * * *" (03:00 daily)')
      .option('--timezone <tz>', 'IANA time zone of the expression', 'UTC')
      .option('--missed <policy>', 'slots missed while no server ran: skip (default) or catch_up', 'skip')
      .option('--grace <seconds>', 'how late a slot may still run under "skip"', '60')
      .option('-p, --param <name=value>', 'a parameter of every run (repeatable)', repeatable, [])
      .option('--description <text>')
      .option('--json', 'print JSON'),
  ).action(async (pipeline: string, cron: string, opts: { timezone: string; missed: string; grace: string; param: string[]; description?: string; json?: boolean }, cmd: Command) => {
    if (opts.missed !== 'skip' && opts.missed !== 'catch_up') throw new AscentError('INVALID_ARGUMENT', '--missed must be skip or catch_up', { field: 'missed' });
    await create(clientFor(optionsOf(cmd)), {
      pipeline, kind: 'schedule', params: parseParamFlags(opts.param), description: opts.description ?? null,
      config: { cron, timezone: opts.timezone, missed: opts.missed, graceSeconds: positiveInt(opts.grace, '--grace', 60) },
    }, opts.json);
  });
  withUrl(schedule.command('ls').description('list schedules').argument('[pipeline]').option('--json', 'print JSON')).action(async (pipeline: string | undefined, opts: { json?: boolean }, cmd: Command) => {
    const items = await clientFor(optionsOf(cmd)).pipelineTriggers.list({ kind: 'schedule', ...(pipeline ? { pipeline } : {}) });
    if (opts.json) return printJson(items);
    printTriggers(items, 'No schedules: ascent pipelines schedule add <pipeline> "<cron>"');
  });
  withUrl(schedule.command('rm').description('delete a schedule and its history').argument('<id>')).action(async (id: string, _opts: unknown, cmd: Command) => {
    await clientFor(optionsOf(cmd)).pipelineTriggers.delete(id);
    printLine(`Deleted ${id}`);
  });

  const triggers = pipelines.command('triggers').description('triggers of pipelines: new data, upstream success, events; firing history');
  withUrl(
    triggers
      .command('add')
      .description('start a pipeline on new data, on another pipeline\'s success, or on an event (give exactly one of --on-*)')
      .argument('<pipeline>')
      .option('--on-data <uri>', 'an absolute local path or s3://bucket/prefix whose listing digest is watched')
      .option('--poll <seconds>', 'seconds between checks of --on-data', '30')
      .option('--on-success <pipeline>', 'when a run of this pipeline succeeds')
      .option('--on-event <type>', 'when this domain event is published (e.g. monitor.drift; * for any); always fireable over HTTP')
      .option('-p, --param <name=value>', 'a parameter of every run (repeatable)', repeatable, [])
      .option('--description <text>')
      .option('--json', 'print JSON'),
  ).action(async (pipeline: string, opts: { onData?: string; poll: string; onSuccess?: string; onEvent?: string; param: string[]; description?: string; json?: boolean }, cmd: Command) => {
    const chosen = [opts.onData, opts.onSuccess, opts.onEvent].filter((v) => v !== undefined).length;
    if (chosen !== 1) throw new AscentError('INVALID_ARGUMENT', 'give exactly one of --on-data, --on-success, --on-event', { field: 'on' });
    const base = { pipeline, params: parseParamFlags(opts.param), description: opts.description ?? null };
    const client = clientFor(optionsOf(cmd));
    if (opts.onData) await create(client, { ...base, kind: 'data', config: { uri: opts.onData, pollSeconds: Number(opts.poll) } }, opts.json);
    else if (opts.onSuccess) await create(client, { ...base, kind: 'upstream', config: { pipeline: opts.onSuccess } }, opts.json);
    else await create(client, { ...base, kind: 'event', config: { eventType: opts.onEvent! } }, opts.json);
  });
  withUrl(triggers.command('ls').description('list triggers (schedules included)').argument('[pipeline]').option('--kind <kind>', 'schedule, data, upstream or event').option('--json', 'print JSON')).action(
    async (pipeline: string | undefined, opts: { kind?: string; json?: boolean }, cmd: Command) => {
      const items = await clientFor(optionsOf(cmd)).pipelineTriggers.list({ ...(pipeline ? { pipeline } : {}), ...(opts.kind ? { kind: opts.kind as PipelineTrigger['kind'] } : {}) });
      if (opts.json) return printJson(items);
      printTriggers(items, 'No triggers: ascent pipelines triggers add <pipeline> --on-data|--on-success|--on-event …');
    },
  );
  withUrl(
    triggers
      .command('fire')
      .description('fire a trigger now; the run it started is printed')
      .argument('<pipeline>')
      .argument('<id>')
      .option('-p, --param <name=value>', 'a parameter of this run only (repeatable)', repeatable, [])
      .option('--key <idempotency-key>', 'fire at most once for this key, however often the command is repeated')
      .option('--json', 'print JSON'),
  ).action(async (pipeline: string, id: string, opts: { param: string[]; key?: string; json?: boolean }, cmd: Command) => {
    const outcome = await clientFor(optionsOf(cmd)).pipelineTriggers.fire(pipeline, id, { params: parseParamFlags(opts.param), ...(opts.key ? { idempotencyKey: opts.key } : {}) });
    if (opts.json) return printJson(outcome);
    if (!outcome.fired) return printLine(`Already fired for key ${opts.key ?? '?'}; no new run.`);
    const f = outcome.firing;
    printLine(f.runId ? `Started run ${f.runId}` : `Could not start a run: ${f.error ?? 'unknown error'}`);
    if (!f.runId) process.exitCode = 1;
  });
  withUrl(triggers.command('publish').description('publish a domain event; every event trigger listening to it fires').argument('<type>').option('--payload <json>', 'event payload (JSON)').option('--id <event-id>', 'fire each trigger at most once for this event id').option('--json', 'print JSON')).action(
    async (type: string, opts: { payload?: string; id?: string; json?: boolean }, cmd: Command) => {
      let payload: unknown;
      try {
        payload = opts.payload === undefined ? undefined : JSON.parse(opts.payload);
      } catch {
        throw new AscentError('INVALID_ARGUMENT', '--payload must be JSON', { field: 'payload' });
      }
      const outcomes = await clientFor(optionsOf(cmd)).pipelineTriggers.publishEvent(type, { ...(payload !== undefined ? { payload } : {}), ...(opts.id ? { eventId: opts.id } : {}) });
      if (opts.json) return printJson(outcomes);
      const started = outcomes.flatMap((o) => (o.fired && o.firing.runId ? [o.firing] : []));
      printLine(outcomes.length === 0 ? `No enabled trigger listens to '${type}'.` : `${started.length} of ${outcomes.length} triggers started a run${started.length ? `: ${started.map((f) => `${f.pipeline} ${f.runId}`).join(', ')}` : ''}`);
    },
  );
  withUrl(triggers.command('history').description('firings of a trigger (trg_…) or of every trigger of a pipeline, newest first').argument('<pipeline-or-id>').option('--limit <n>', 'how many', '50').option('--json', 'print JSON')).action(
    async (target: string, opts: { limit: string; json?: boolean }, cmd: Command) => {
      const limit = positiveInt(opts.limit, '--limit', 50);
      const client = clientFor(optionsOf(cmd));
      const items = await client.pipelineTriggers.firings(target.startsWith('trg_') ? { triggerId: target, limit } : { pipeline: target, limit });
      if (opts.json) return printJson(items);
      printFirings(items);
    },
  );
  for (const [verb, enabled] of [['enable', true], ['disable', false]] as const) {
    withUrl(triggers.command(verb).description(`${verb} a trigger or schedule`).argument('<id>')).action(async (id: string, _opts: unknown, cmd: Command) => {
      const t = await clientFor(optionsOf(cmd)).pipelineTriggers.update(id, { enabled });
      printLine(`${t.triggerId} ${t.enabled ? 'enabled' : 'disabled'}`);
    });
  }
  withUrl(triggers.command('rm').description('delete a trigger or schedule and its history').argument('<id>')).action(async (id: string, _opts: unknown, cmd: Command) => {
    await clientFor(optionsOf(cmd)).pipelineTriggers.delete(id);
    printLine(`Deleted ${id}`);
  });
}
