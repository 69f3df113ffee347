import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../core/config.js';
import { startServer, type RunningServer } from '../server.js';
import { AscentClient, type AscentError } from './index.js';

// Two users against one real server: ada asks, bob decides (no mocks).
let server: RunningServer;
let ada: AscentClient;
let bob: AscentClient;
let dataDir: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ascent-sdk-approvals-'));
  server = await startServer(loadConfig({ dataDir, port: 0, logLevel: 'silent' }));
  ada = new AscentClient({ baseUrl: server.url, user: 'ada' });
  bob = new AscentClient({ baseUrl: server.url, user: 'bob' });
});
afterAll(async () => {
  await server?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const errorOf = (promise: Promise<unknown>) => promise.then(() => undefined, (err: unknown) => err as AscentError);

async function modelWithVersions(name: string, count: number): Promise<void> {
  await ada.models.create(name);
  for (let i = 1; i <= count; i++) await ada.models.createVersion(name, { source: `s3://models/${name}/${i}` });
}

describe('approval-gated aliases', () => {
  it('moves a gated alias only through a request another user approves', async () => {
    await modelWithVersions('scorer', 2);
    await ada.models.setAlias('scorer', 'prod', 1);
    const rule = await ada.approvals.setRule('scorer', 'prod', { requiredApprovals: 1, reason: 'prod needs review' });
    expect(rule).toMatchObject({ modelName: 'scorer', target: 'prod', requiredApprovals: 1, allowSelfApproval: false, createdBy: 'ada' });
    expect(await ada.approvals.rules('scorer')).toEqual([rule]);
    expect(await bob.approvals.rule('scorer', 'prod')).toEqual(rule);

    // A direct move is refused, and the message says how to ask for it.
    const refused = await errorOf(ada.models.setAlias('scorer', 'prod', 2));
    expect(refused).toMatchObject({ code: 'PERMISSION_DENIED', httpStatus: 403 });
    expect(refused?.message).toMatch(/requires approval/);
    expect((await ada.models.getByAlias('scorer', 'prod')).version).toBe('1');

    const request = await ada.approvals.request('scorer', { target: 'prod', version: 2, reason: 'recall +4%' });
    expect(request).toMatchObject({ modelName: 'scorer', target: 'prod', version: '2', requestedBy: 'ada', reason: 'recall +4%', status: 'pending', approvals: [] });
    expect((await bob.approvals.list({ model: 'scorer', status: 'pending' })).map((r) => r.requestId)).toEqual([request.requestId]);

    // The requester cannot approve their own request.
    expect(await errorOf(ada.approvals.approve(request.requestId))).toMatchObject({ code: 'PERMISSION_DENIED' });
    expect((await ada.models.getByAlias('scorer', 'prod')).version).toBe('1');

    const approved = await bob.approvals.approve(request.requestId, { comment: 'metrics checked' });
    expect(approved).toMatchObject({ status: 'applied', decidedBy: 'bob', approvals: [{ user: 'bob', comment: 'metrics checked' }] });
    expect((await ada.models.getByAlias('scorer', 'prod')).version).toBe('2');
    expect(await errorOf(bob.approvals.approve(request.requestId))).toMatchObject({ code: 'INVALID_STATE' });
    expect(await bob.approvals.list({ model: 'scorer', status: 'pending' })).toEqual([]);

    // The history says who asked, who approved and why; the move is recorded on ada's behalf.
    const history = await ada.models.history('scorer', { alias: 'prod', order: 'asc' });
    expect(history.map((e) => [e.type, e.actor, e.reason])).toEqual([
      ['alias.set', 'ada', null],
      ['approval_rule.set', 'ada', 'prod needs review'],
      ['approval.requested', 'ada', 'recall +4%'],
      ['approval.approved', 'bob', 'metrics checked'],
      ['alias.set', 'ada', 'recall +4%'],
    ]);
    expect(history.at(-1)).toMatchObject({ fromVersion: '1', toVersion: '2', payload: { requestId: request.requestId, approvedBy: ['bob'] } });
  });

  it('keeps the alias where it is when a request is rejected', async () => {
    await modelWithVersions('ranker', 2);
    await ada.approvals.setRule('ranker', 'prod');
    const request = await ada.approvals.request('ranker', { target: 'prod', version: '2', reason: 'try it' });
    const rejected = await bob.approvals.reject(request.requestId, { comment: 'no offline eval' });
    expect(rejected).toMatchObject({ status: 'rejected', decidedBy: 'bob', decisionReason: 'no offline eval' });
    expect(await errorOf(ada.models.getByAlias('ranker', 'prod'))).toMatchObject({ code: 'NOT_FOUND' });
    expect((await ada.approvals.list({ model: 'ranker' })).map((r) => r.status)).toEqual(['rejected']);
  });

  it('needs the required number of distinct approvers, and gates stages and alias deletion too', async () => {
    await modelWithVersions('fraud', 1);
    await ada.approvals.setRule('fraud', 'stage:production', { requiredApprovals: 2 });
    expect(await errorOf(ada.models.transitionStage('fraud', 1, 'Production'))).toMatchObject({ code: 'PERMISSION_DENIED' });
    const request = await ada.approvals.request('fraud', { target: 'stage:Production', version: 1, reason: 'go live' });
    expect((await bob.approvals.approve(request.requestId)).status).toBe('pending');
    expect((await ada.models.getVersion('fraud', 1)).currentStage).toBe('None');
    const carol = new AscentClient({ baseUrl: server.url, user: 'carol' });
    expect((await carol.approvals.approve(request.requestId)).status).toBe('applied');
    expect((await ada.models.getVersion('fraud', 1)).currentStage).toBe('Production');

    await ada.models.setAlias('fraud', 'live', 1);
    await ada.approvals.setRule('fraud', 'live');
    expect(await errorOf(ada.models.deleteAlias('fraud', 'live'))).toMatchObject({ code: 'PERMISSION_DENIED' });
    await ada.approvals.deleteRule('fraud', 'live', { reason: 'no longer gated' });
    expect(await errorOf(ada.approvals.rule('fraud', 'live'))).toMatchObject({ code: 'NOT_FOUND' });
    await ada.models.deleteAlias('fraud', 'live');
  });

  it('refuses a request for a target that needs no approval', async () => {
    await modelWithVersions('open', 1);
    expect(await errorOf(ada.approvals.request('open', { target: 'champion', version: 1 }))).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'target' });
  });
});
