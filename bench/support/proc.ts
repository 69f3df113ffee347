/** Process and machine facts read from /proc and the tools themselves (Linux). */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

const TICKS = 100; // USER_HZ on Linux

/**
 * CPU seconds (user + system) used so far by the live processes of a process group, leaving out
 * those whose command line matches `exclude` (e.g. MLflow's background job consumers).
 */
export function groupCpuSeconds(pgid: number, exclude?: RegExp): number {
  let ticks = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the ")" that closes the command name: state ppid pgrp ... utime(14) stime(15).
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(rest[2]) !== pgid) continue;
      if (exclude && exclude.test(fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' '))) continue;
      ticks += Number(rest[11]) + Number(rest[12]);
    } catch {
      /* process went away */
    }
  }
  return ticks / TICKS;
}

/** MLflow's job runner and huey consumers: background processes that serve no tracking request. */
export const MLFLOW_BACKGROUND = /huey|_job_runner/;

/** Resident memory (MiB) of a process group's live processes. */
export function groupRssMiB(pgid: number): number {
  let kib = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(rest[2]) !== pgid) continue;
      const status = fs.readFileSync(`/proc/${entry}/status`, 'utf8');
      const m = /VmRSS:\s+(\d+)/.exec(status);
      if (m) kib += Number(m[1]);
    } catch {
      /* gone */
    }
  }
  return kib / 1024;
}

function tryExec(cmd: string, args: string[], cwd?: string): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', cwd, timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch {
    return 'unknown';
  }
}

export interface MachineFacts {
  date: string;
  host: string;
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  loadAverage: string;
  os: string;
  node: string;
  python: string;
  mlflow: string;
  ascentVersion: string;
  gitCommit: string;
  gitDirty: boolean;
}

export function machineFacts(repoRoot: string, venvBin: string): MachineFacts {
  const pkg = JSON.parse(fs.readFileSync(`${repoRoot}/package.json`, 'utf8')) as { version: string };
  const status = tryExec('git', ['status', '--porcelain'], repoRoot);
  return {
    date: new Date().toISOString(),
    host: os.hostname(),
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverage: loadAverage(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    python: tryExec(`${venvBin}/python`, ['--version']),
    mlflow: tryExec(`${venvBin}/python`, ['-c', 'import importlib.metadata as m; print(m.version("mlflow"))']),
    ascentVersion: pkg.version,
    gitCommit: tryExec('git', ['rev-parse', '--short', 'HEAD'], repoRoot),
    gitDirty: status !== '' && status !== 'unknown',
  };
}

export const loadAverage = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
