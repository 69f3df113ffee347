import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { valueOf, type Experiment, type Run } from '../api';
import { formatDuration, formatTime } from '../lib/format';
import { StatusBadge } from './StatusBadge';

function commitLink(repo: string | undefined, commit: string): ReactNode {
  const short = commit.slice(0, 10);
  const m = repo ? /^(?:https?:\/\/|git@)(github\.com|gitlab\.com)[/:](.+?)(?:\.git)?$/.exec(repo) : null;
  if (!m) return <span title={commit}>{short}</span>;
  const path = m[1] === 'gitlab.com' ? `${m[2]}/-/commit/${commit}` : `${m[2]}/commit/${commit}`;
  return (
    <a href={`https://${m[1]}/${path}`} target="_blank" rel="noreferrer" title={commit}>
      {short}
    </a>
  );
}

/** The facts about a run a user checks first: status, times, who ran what code, and its parent. */
export function RunOverview({ run, experiment }: { run: Run; experiment?: Experiment | undefined }) {
  const { info, data } = run;
  const tags = data.tags;
  const end = info.endTime ?? (info.status === 'RUNNING' ? Date.now() : null);
  const commit = valueOf(tags, 'mlflow.source.git.commit');
  const repo = valueOf(tags, 'mlflow.source.git.repoURL');
  const rows: [string, ReactNode][] = [
    ['Status', <StatusBadge status={info.status} />],
    ['Run ID', <span className="mono">{info.runId}</span>],
    ['Experiment', <Link to={`/experiments/${info.experimentId}`}>{experiment?.name ?? info.experimentId}</Link>],
    ['Started', formatTime(info.startTime)],
    ['Ended', info.endTime ? formatTime(info.endTime) : info.status === 'RUNNING' ? <span className="muted">running</span> : '—'],
    ['Duration', end ? formatDuration(end - info.startTime) : '—'],
    ['User', info.userId || '—'],
  ];
  if (info.parentRunId) rows.push(['Parent run', <Link to={`/runs/${info.parentRunId}`} className="mono">{info.parentRunId}</Link>]);
  const source = valueOf(tags, 'mlflow.source.name');
  if (source) rows.push(['Source', <span className="mono">{source}</span>]);
  const sourceType = valueOf(tags, 'mlflow.source.type');
  if (sourceType) rows.push(['Source type', sourceType]);
  if (commit) rows.push(['Git commit', <span className="mono">{commitLink(repo, commit)}</span>]);
  const branch = valueOf(tags, 'mlflow.source.git.branch');
  if (branch) rows.push(['Git branch', <span className="mono">{branch}</span>]);
  if (repo) rows.push(['Git repo', <span className="mono ellipsis">{repo}</span>]);
  rows.push(['Artifact URI', <span className="mono ellipsis" title={info.artifactUri}>{info.artifactUri}</span>]);
  if (info.lifecycleStage !== 'active') rows.push(['Lifecycle', <span className="badge status-failed">{info.lifecycleStage}</span>]);
  if (run.outputs.modelOutputs.length > 0) {
    rows.push(['Logged models', <span className="mono">{run.outputs.modelOutputs.map((m) => m.modelId).join(', ')}</span>]);
  }
  const note = valueOf(tags, 'mlflow.note.content');
  return (
    <div className="overview" data-testid="run-overview">
      <dl className="overview-grid">
        {rows.map(([label, value]) => (
          <div key={label} className="overview-row">
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {note ? <p className="note">{note}</p> : null}
    </div>
  );
}
