import { describe, expect, it } from 'vitest';
import { formatDuration, formatNumber, renderTable } from './client-command-output.js';

describe('renderTable', () => {
  const id = 'a'.repeat(32);

  it('fits 100 columns by cutting the longest text, keeping run ids whole', () => {
    const out = renderTable(
      [{ header: 'RUN ID', minWidth: 32 }, { header: 'NAME' }, { header: 'params.note' }],
      [[id, 'baseline', 'n'.repeat(500)]],
      100,
    );
    const lines = out.split('\n');
    expect(lines.every((l) => l.length <= 100)).toBe(true);
    expect(lines[1]).toMatch(new RegExp(`^${id}  baseline  n+…$`));
    expect(lines[1]).toHaveLength(100);
  });

  it('flattens control characters so one value stays on one line', () => {
    const out = renderTable([{ header: 'KEY' }, { header: 'VALUE' }], [['note', 'line one\nline two\u001b[31m']], 100);
    expect(out.split('\n')).toEqual(['KEY   VALUE', 'note  line one line two[31m']);
  });

  it('right-aligns numeric columns', () => {
    const out = renderTable([{ header: 'K' }, { header: 'VALUE', align: 'right' }], [['a', '1'], ['b', '0.25']], 100);
    expect(out.split('\n')).toEqual(['K  VALUE', 'a      1', 'b   0.25']);
  });
});

describe('formatting', () => {
  it('formats metric values for people', () => {
    expect([formatNumber(3), formatNumber(0.123456789), formatNumber(Number.NaN), formatNumber(-Infinity), formatNumber(0.00001234), formatNumber(undefined)]).toEqual([
      '3',
      '0.123457',
      'NaN',
      '-Infinity',
      '1.2340e-5',
      '-',
    ]);
  });

  it('formats durations', () => {
    expect([formatDuration(0, 850), formatDuration(0, 12_340), formatDuration(0, 245_000), formatDuration(0, 7_380_000), formatDuration(0, null)]).toEqual([
      '850ms',
      '12.3s',
      '4m 05s',
      '2h 03m',
      '-',
    ]);
  });
});
