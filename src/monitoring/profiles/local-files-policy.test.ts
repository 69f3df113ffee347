import { describe, expect, it } from 'vitest';
import { readsLocalDatasetFiles } from './local-files-policy.js';

describe('readsLocalDatasetFiles', () => {
  it('reads local dataset files by default only on a loopback server', () => {
    for (const host of ['127.0.0.1', '127.0.1.1', 'localhost', '::1']) expect(readsLocalDatasetFiles(host, undefined), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'ascent.internal', '127.0.0.1.evil.example']) expect(readsLocalDatasetFiles(host, undefined), host).toBe(false);
  });
  it('follows ASCENT_PROFILE_LOCAL_FILES when it says 1 or 0', () => {
    expect(readsLocalDatasetFiles('0.0.0.0', '1')).toBe(true);
    expect(readsLocalDatasetFiles('127.0.0.1', '0')).toBe(false);
    expect(readsLocalDatasetFiles('0.0.0.0', 'yes')).toBe(false);
  });
});
