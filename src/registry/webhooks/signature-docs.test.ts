import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { signBody } from './webhook-sender.js';
import { docsSnippet, docsTypeScriptVerifier } from './webhook-test-kit.contract.js';

// The verification recipes of docs/webhooks.md, run as written (extracted from the page), against
// signatures made by the sender. The contract suites also verify real deliveries with the TS one.
const secret = 'f'.repeat(64);
const body = JSON.stringify({ id: 'wh_1:7', seq: 7, type: 'alias.set', model: { id: 'rm_1', name: 'churn' }, reason: 'naïve ✓' });
const now = () => String(Math.floor(Date.now() / 1000));
const cases = () => {
  const ts = now();
  const good = { 'x-ascent-timestamp': ts, 'x-ascent-signature': signBody(secret, ts, body) };
  const stale = String(Number(ts) - 3600);
  return [
    { name: 'genuine', secret, body, headers: good, valid: true },
    { name: 'tampered body', secret, body: body.replace('churn', 'chure'), headers: good, valid: false },
    { name: 'wrong secret', secret: 'e'.repeat(64), body, headers: good, valid: false },
    { name: 'replayed with a new timestamp', secret, body, headers: { ...good, 'x-ascent-timestamp': String(Number(ts) + 1) }, valid: false },
    { name: 'old timestamp, valid signature', secret, body, headers: { 'x-ascent-timestamp': stale, 'x-ascent-signature': signBody(secret, stale, body) }, valid: false },
    { name: 'missing signature', secret, body, headers: { 'x-ascent-timestamp': ts }, valid: false },
  ];
};

const python = (() => {
  try {
    execFileSync('python3', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('docs/webhooks.md signature recipes', () => {
  it('TypeScript: accepts genuine requests and rejects tampered, mis-keyed and stale ones', async () => {
    const verify = await docsTypeScriptVerifier();
    for (const c of cases()) expect([c.name, verify(c.secret, c.body, c.headers)]).toEqual([c.name, c.valid]);
  });

  // python3 is part of the development image (the MLflow compatibility suite needs it).
  it.skipIf(!python)('Python: accepts genuine requests and rejects tampered, mis-keyed and stale ones', () => {
    const driver = `${docsSnippet('python', 'def verify_ascent_webhook')}
import json, sys
for c in json.load(sys.stdin):
    print(json.dumps([c["name"], verify_ascent_webhook(c["secret"], c["body"].encode(), c["headers"])]))
`;
    const all = cases();
    const out = spawnSync('python3', ['-c', driver], { input: JSON.stringify(all), encoding: 'utf8' });
    expect(out.stderr).toBe('');
    expect(out.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual(all.map((c) => [c.name, c.valid]));
  });
});
