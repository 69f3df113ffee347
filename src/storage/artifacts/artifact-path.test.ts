import { describe, expect, it } from 'vitest';
import { joinArtifactPath, normalizeArtifactPath } from './artifact-path.js';

describe('normalizeArtifactPath', () => {
  it.each([
    ['', ''],
    ['.', ''],
    ['./', ''],
    ['a', 'a'],
    ['./a/b', 'a/b'],
    ['a//b///c', 'a/b/c'],
    ['a/b/', 'a/b'],
    ['a/./b/.', 'a/b'],
    ['dir with space/naïve 文件.txt', 'dir with space/naïve 文件.txt'],
    ['a/..b/c..', 'a/..b/c..'],
    ['%2e/x', '%2e/x'],
    ['ab:c/d:e', 'ab:c/d:e'],
  ])('normalizes %j to %j', (input, expected) => {
    expect(normalizeArtifactPath(input)).toBe(expected);
  });

  it.each([
    '..',
    '../x',
    'a/../../x',
    'a/b/..',
    '/etc/passwd',
    '/',
    'C:\\x',
    'c:/x',
    'C:x',
    '\\\\server\\share',
    'a\\..\\b',
    'a\\b',
    'a\0b',
    '%2e%2e',
    'a/%2E%2e/b',
    '.%2e/x',
    '%2e./x',
  ])('refuses %j with INVALID_ARGUMENT on field path', (input) => {
    expect(() => normalizeArtifactPath(input)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'path' }),
    );
  });
});

describe('joinArtifactPath', () => {
  it('joins and normalizes parts, ignoring empty ones', () => {
    expect(joinArtifactPath('runs/', '', './abc', 'artifacts//model')).toBe('runs/abc/artifacts/model');
    expect(joinArtifactPath()).toBe('');
  });

  it('refuses a part that would climb out, even if a later part is harmless', () => {
    expect(() => joinArtifactPath('a', '..', 'b')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => joinArtifactPath('a', '/abs')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
