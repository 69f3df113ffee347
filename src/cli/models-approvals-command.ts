import { Option, type Command } from 'commander';
import type { ApprovalRequest, ApprovalStatus } from '../sdk/index.js';
import { clientFor, optionsOf, shellArg, withUrl } from './client-command-context.js';
import { formatTime, printJson, printLine, renderTable } from './client-command-output.js';

const STATUSES: readonly (ApprovalStatus | 'all')[] = ['pending', 'approved', 'rejected', 'applied', 'cancelled', 'all'];

/** `ascent models request|approve|approvals`: moving a gated alias or stage with another user's approval. */
export function addModelsApprovalCommands(models: Command): void {
  withUrl(
    models
      .command('request')
      .description('ask to move an approval-gated alias (or stage:<Stage>) to a version')
      .argument('<name>')
      .argument('<alias>', 'the gated alias, or stage:Production style')
      .argument('<version>')
      .requiredOption('--reason <text>', 'why; shown to approvers and kept in the model history')
      .option('--json', 'print the request as JSON'),
  ).action(async (name: string, alias: string, version: string, opts: { reason: string; json?: boolean }, cmd: Command) => {
    const request = await clientFor(optionsOf(cmd)).approvals.request(name, { target: alias, version, reason: opts.reason });
    if (opts.json) return printJson(request);
    printLine(`Requested ${request.requestId}: move '${request.target}' of model '${request.modelName}' to version ${request.version}`);
    printLine(`Another user approves it with: ascent models approve ${shellArg(request.requestId)}`);
  });

  withUrl(
    models
      .command('approve')
      .description('approve (or with --reject, reject) an approval request as the acting user')
      .argument('<requestId>')
      .option('--reject', 'reject the request instead')
      .option('--comment <text>', 'kept with the decision in the model history')
      .option('--json', 'print the request as JSON'),
  ).action(async (requestId: string, opts: { reject?: boolean; comment?: string; json?: boolean }, cmd: Command) => {
    const client = clientFor(optionsOf(cmd));
    const comment = opts.comment !== undefined ? { comment: opts.comment } : {};
    const request = opts.reject ? await client.approvals.reject(requestId, comment) : await client.approvals.approve(requestId, comment);
    if (opts.json) return printJson(request);
    printLine(decisionSentence(request));
  });

  withUrl(
    models
      .command('approvals')
      .description('list approval requests, newest first')
      .argument('[name]', 'only requests on this model')
      .addOption(new Option('--status <status>', 'which requests').choices(STATUSES).default('pending'))
      .option('--json', 'print JSON (an array of requests) instead of a table'),
  ).action(async (name: string | undefined, opts: { status: ApprovalStatus | 'all'; json?: boolean }, cmd: Command) => {
    const items = await clientFor(optionsOf(cmd)).approvals.list({ ...(name ? { model: name } : {}), ...(opts.status !== 'all' ? { status: opts.status } : {}) });
    if (opts.json) return printJson(items);
    if (items.length === 0) return printLine(`No ${opts.status === 'all' ? '' : `${opts.status} `}approval requests${name ? ` on model '${name}'` : ''}.`);
    // Approvers are left to --json: with the time and the reason the table already fills 100 columns.
    printLine(
      renderTable(
        [
          { header: 'REQUEST ID', minWidth: 24 },
          { header: 'MODEL', minWidth: 8 },
          { header: 'TARGET', minWidth: 6 },
          { header: 'VERSION', minWidth: 7, align: 'right' },
          { header: 'STATUS', minWidth: 7 },
          { header: 'REQUESTER', minWidth: 9 },
          { header: 'CREATED', minWidth: 19 },
          { header: 'REASON' },
        ],
        items.map((r) => [r.requestId, r.modelName, r.target, r.version, r.status, r.requestedBy, formatTime(r.creationTime), r.reason ?? '-']),
      ),
    );
  });
}

/** What a decision did, in one sentence. */
export function decisionSentence(r: ApprovalRequest): string {
  const what = `'${r.target}' of model '${r.modelName}'`;
  switch (r.status) {
    case 'applied':
      return r.target.startsWith('stage:')
        ? `Approved ${r.requestId}: version ${r.version} of model '${r.modelName}' is now in ${r.target.slice('stage:'.length)}`
        : `Approved ${r.requestId}: ${what} now points to version ${r.version}`;
    case 'pending':
      return `Approved ${r.requestId} (${r.approvals.length} approval${r.approvals.length === 1 ? '' : 's'} so far): it needs more before ${what} moves to version ${r.version}`;
    case 'rejected':
      return `Rejected ${r.requestId}: ${what} stays where it was`;
    default:
      return `Request ${r.requestId} is ${r.status}`;
  }
}
