import path from 'node:path';
import type { Command } from 'commander';
import { AscentApiError, AscentError, isAscentError, type ApprovalRule, type ErrorCode, type ModelVersion, type RegisteredModel } from '../sdk/index.js';
import { clientFor, optionsOf, shellArg, withUrl } from './client-command-context.js';
import { formatTime, printJson, printLine, printSection, renderTable, type TableColumn } from './client-command-output.js';
import { addModelsApprovalCommands } from './models-approvals-command.js';
import { addModelsHistoryCommand } from './models-history-command.js';
import { addModelsLineageCommand } from './models-lineage-command.js';

/** How many versions `ascent models show` lists. */
const SHOWN_VERSIONS = 5;

/** `ascent models …`: the model registry. */
export function registerModelsCommand(program: Command): void {
  const models = program.command('models').description('registered models, versions, aliases, approvals, history, lineage and packages');

  withUrl(
    models
      .command('ls')
      .description('list registered models')
      .option('--filter <expr>', `MLflow search filter, e.g. "name LIKE 'churn%'" or "tags.team = 'risk'"`)
      .option('--json', 'print JSON (an array of models) instead of a table'),
  ).action(async (opts: { filter?: string; json?: boolean }, cmd: Command) => {
    const client = clientFor(optionsOf(cmd));
    const items: RegisteredModel[] = [];
    for await (const m of client.models.listAll({ ...(opts.filter ? { filter: opts.filter } : {}), orderBy: ['name ASC'] })) items.push(m);
    if (opts.json) return printJson(items);
    if (items.length === 0) return printLine(opts.filter ? 'No registered models match.' : 'No registered models.');
    printLine(
      renderTable(
        [{ header: 'NAME', minWidth: 16 }, { header: 'ALIASES', minWidth: 12 }, { header: 'OWNER', minWidth: 8 }, { header: 'UPDATED', minWidth: 19 }, { header: 'DESCRIPTION' }],
        items.map((m) => [m.name, aliasList(m) || '-', m.owner, formatTime(m.lastUpdatedTime), m.description || '-']),
      ),
    );
  });

  withUrl(
    models
      .command('show')
      .description("show a model: details, aliases, latest versions, approval rules and pending requests")
      .argument('<name>')
      .option('--json', 'print JSON {model, latestVersions, approvalRules, pendingApprovals}'),
  ).action(async (name: string, opts: { json?: boolean }, cmd: Command) => {
    const client = clientFor(optionsOf(cmd));
    const [model, versions, approvalRules, pendingApprovals] = await Promise.all([
      client.models.get(name),
      client.models.versions(name, { maxResults: SHOWN_VERSIONS }),
      client.approvals.rules(name),
      client.approvals.list({ model: name, status: 'pending' }),
    ]);
    if (opts.json) return printJson({ model, latestVersions: versions.items, approvalRules, pendingApprovals });

    printLine(`Model ${model.name}`);
    printLine(
      renderTable(
        [{ header: 'FIELD', minWidth: 12 }, { header: 'VALUE' }],
        [
          ['description', model.description || '-'],
          ['owner', model.owner],
          ['project', model.projectId],
          ['created', formatTime(model.creationTime)],
          ['updated', formatTime(model.lastUpdatedTime)],
          ['tags', model.tags.map((t) => `${t.key}=${t.value}`).join(', ') || '-'],
        ],
      ),
    );
    const gate = (target: string) => approvalsNeeded(approvalRules.find((r) => r.target === target));
    printSection(
      'Aliases',
      [{ header: 'ALIAS', minWidth: 12 }, { header: 'VERSION' }, { header: 'APPROVAL' }],
      [...model.aliases].sort((a, b) => a.alias.localeCompare(b.alias)).map((a) => [a.alias, a.version, gate(a.alias)]),
    );
    printSection(`Latest versions${versions.nextPageToken ? ` (newest ${SHOWN_VERSIONS}; ascent models versions ${shellArg(name)} lists all)` : ''}`, VERSION_COLUMNS, versions.items.map(versionRow));
    printSection(
      'Approval rules',
      [{ header: 'TARGET', minWidth: 12 }, { header: 'APPROVALS' }, { header: 'CREATED BY' }, { header: 'CREATED', minWidth: 19 }],
      approvalRules.map((r) => [r.target, approvalsNeeded(r), r.createdBy, formatTime(r.creationTime)]),
    );
    printSection(
      'Pending approval requests',
      [{ header: 'REQUEST ID', minWidth: 24 }, { header: 'TARGET' }, { header: 'VERSION' }, { header: 'REQUESTED BY' }, { header: 'REASON' }],
      pendingApprovals.map((r) => [r.requestId, r.target, r.version, r.requestedBy, r.reason ?? '-']),
    );
  });

  withUrl(
    models
      .command('versions')
      .description("list a model's versions, newest first")
      .argument('<name>')
      .option('--json', 'print JSON (an array of versions) instead of a table'),
  ).action(async (name: string, opts: { json?: boolean }, cmd: Command) => {
    const client = clientFor(optionsOf(cmd));
    const items: ModelVersion[] = [];
    for await (const v of client.models.versionsAll(name)) items.push(v);
    if (opts.json) return printJson(items);
    if (items.length === 0) return printLine(`Model '${name}' has no versions.`);
    printLine(renderTable(VERSION_COLUMNS, items.map(versionRow)));
  });

  withUrl(
    models
      .command('alias')
      .description('point an alias at a version, or delete it with --delete')
      .argument('<name>')
      .argument('<alias>')
      .argument('[version]', 'version number (omit with --delete)')
      .option('--reason <text>', 'why; kept in the model history')
      .option('--delete', 'delete the alias'),
  ).action(async (name: string, alias: string, version: string | undefined, opts: { reason?: string; delete?: boolean }, cmd: Command) => {
    const client = clientFor(optionsOf(cmd));
    const reason = opts.reason ? { reason: opts.reason } : {};
    if (opts.delete) {
      if (version !== undefined) throw new AscentError('INVALID_ARGUMENT', '--delete takes no version', { field: 'version' });
      await client.models.deleteAlias(name, alias, reason);
      return printLine(`Deleted alias '${alias}' of model '${name}'`);
    }
    if (version === undefined) throw new AscentError('INVALID_ARGUMENT', 'give the version the alias should point to, or --delete', { field: 'version' });
    try {
      await client.models.setAlias(name, alias, version, reason);
    } catch (err) {
      throw withHint(err, 'PERMISSION_DENIED', `To ask for it: ascent models request ${[name, alias, version].map(shellArg).join(' ')} --reason '…'`);
    }
    printLine(`Alias '${alias}' of model '${name}' now points to version ${version}`);
  });

  withUrl(
    models
      .command('download')
      .description('download and unpack a version\'s package; prints the folder')
      .argument('<ref>', 'NAME@ALIAS, NAME/VERSION, NAME/latest or models:/…')
      .option('--dest <dir>', 'folder to unpack into, as <dest>/<name>-v<version> (default: the current folder)')
      .option('--force', 'replace that folder if it exists'),
  ).action(async (ref: string, opts: { dest?: string; force?: boolean }, cmd: Command) => {
    const client = clientFor(optionsOf(cmd));
    const downloaded = await client.models.downloadPackage(ref, path.resolve(opts.dest ?? '.'), { overwrite: Boolean(opts.force) }).catch((err: unknown) => {
      throw withHint(err, 'ALREADY_EXISTS', '--force replaces it');
    });
    process.stderr.write(`Downloaded ${downloaded.name} version ${downloaded.version} (${downloaded.files.length} file${downloaded.files.length === 1 ? '' : 's'})\n`);
    // Only the folder on stdout, so `cd "$(ascent models download churn@prod)"` works.
    printLine(downloaded.dir);
  });

  addModelsApprovalCommands(models);
  addModelsHistoryCommand(models);
  addModelsLineageCommand(models);
}

const VERSION_COLUMNS: TableColumn[] = [
  { header: 'VERSION', align: 'right' },
  { header: 'ALIASES', minWidth: 10 },
  { header: 'STAGE', minWidth: 7 },
  { header: 'CREATED', minWidth: 19 },
  { header: 'USER', minWidth: 6 },
  { header: 'RUN ID', minWidth: 8 },
  { header: 'DESCRIPTION' },
];

function versionRow(v: ModelVersion): string[] {
  return [v.version, v.aliases.join(', ') || '-', v.currentStage, formatTime(v.creationTime), v.userId, v.runId ?? '-', v.description || '-'];
}

function aliasList(m: RegisteredModel): string {
  return [...m.aliases]
    .sort((a, b) => a.alias.localeCompare(b.alias))
    .map((a) => `${a.alias}→${a.version}`)
    .join(', ');
}

function approvalsNeeded(rule: ApprovalRule | undefined): string {
  if (!rule) return '-';
  return `${rule.requiredApprovals} approver${rule.requiredApprovals > 1 ? 's' : ''}${rule.allowSelfApproval ? '' : ', not the requester'}`;
}

/**
 * An error of `code` keeps its message (a refusal from the server says why and how to ask) and
 * gains a line naming the CLI command or option that helps; other errors pass unchanged.
 */
export function withHint(err: unknown, code: ErrorCode, hint: string): unknown {
  if (!isAscentError(err) || err.code !== code) return err;
  const message = `${err.message}\n${hint}`;
  const field = err.field !== undefined ? { field: err.field } : {};
  if (!(err instanceof AscentApiError)) return new AscentError(err.code, message, { ...field, cause: err });
  return new AscentApiError(err.code, message, { httpStatus: err.httpStatus, ...field, ...(err.requestId !== undefined ? { requestId: err.requestId } : {}) });
}
