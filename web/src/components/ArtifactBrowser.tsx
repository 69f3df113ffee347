import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { api, type ArtifactFile } from '../api';
import { formatBytes } from '../lib/format';
import { ArtifactPreview, baseName } from './ArtifactPreview';
import { ErrorBox } from './ErrorBox';
import { Loading } from './Loading';

interface FolderState {
  files?: ArtifactFile[];
  error?: unknown;
  loading: boolean;
}

function sortFiles(files: ArtifactFile[]): ArtifactFile[] {
  return [...files].sort((a, b) => (a.isDir === b.isDir ? a.path.localeCompare(b.path) : a.isDir ? -1 : 1));
}

function FileIcon({ dir }: { dir: boolean }) {
  return (
    <svg className="file-icon" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
      {dir ? (
        <path d="M1.5 3.5h4.5l1.5 1.5h7v8.5h-13z" fill="currentColor" fillOpacity="0.25" stroke="currentColor" strokeWidth="1" />
      ) : (
        <path d="M3.5 1.5h6l3 3v10h-9zM9.5 1.5v3h3" fill="none" stroke="currentColor" strokeWidth="1" />
      )}
    </svg>
  );
}

/** The run's artifact tree, listed folder by folder as the user expands it, beside a preview pane. */
export function ArtifactBrowser({ runId }: { runId: string }) {
  const [folders, setFolders] = useState<Record<string, FolderState>>({});
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [selected, setSelected] = useState<ArtifactFile | null>(null);
  const [rootUri, setRootUri] = useState('');

  const load = useCallback(
    (path: string) => {
      setFolders((prev) => ({ ...prev, [path]: { ...prev[path], loading: true } }));
      api.listArtifacts(runId, path).then(
        (listing) => {
          if (path === '') setRootUri(listing.rootUri);
          setFolders((prev) => ({ ...prev, [path]: { files: sortFiles(listing.files), loading: false } }));
        },
        (error: unknown) => setFolders((prev) => ({ ...prev, [path]: { error, loading: false } })),
      );
    },
    [runId],
  );

  useEffect(() => {
    setFolders({});
    setExpanded(new Set());
    setSelected(null);
    load('');
  }, [load]);

  const toggle = (dir: string) => {
    setExpanded((prev) => {
      const next = new Set(prev);
      if (next.has(dir)) next.delete(dir);
      else next.add(dir);
      return next;
    });
    if (!folders[dir]) load(dir);
  };

  const renderFolder = (path: string, depth: number): ReactNode => {
    const state = folders[path];
    if (!state || (state.loading && !state.files)) return <li className="tree-note" style={{ paddingLeft: 8 + depth * 14 }}><Loading /></li>;
    if (state.error) return <li className="tree-note"><ErrorBox error={state.error} compact onRetry={() => load(path)} /></li>;
    if (state.files!.length === 0) return <li className="tree-note muted" style={{ paddingLeft: 8 + depth * 14 }}>{path ? 'empty folder' : 'No artifacts logged.'}</li>;
    return state.files!.map((f) => (
      <li key={f.path}>
        <button
          type="button"
          className={`tree-item${selected?.path === f.path ? ' selected' : ''}${f.isDir ? ' dir' : ''}`}
          style={{ paddingLeft: 8 + depth * 14 }}
          onClick={() => (f.isDir ? toggle(f.path) : setSelected(f))}
          aria-expanded={f.isDir ? expanded.has(f.path) : undefined}
          data-artifact-path={f.path}
        >
          <span className="tree-icon" aria-hidden="true">
            {f.isDir ? (expanded.has(f.path) ? '▾' : '▸') : ''}
          </span>
          <FileIcon dir={f.isDir} />
          <span className="tree-label">{baseName(f.path)}</span>
          {!f.isDir && f.fileSize !== undefined ? <span className="tree-size muted">{formatBytes(f.fileSize)}</span> : null}
        </button>
        {f.isDir && expanded.has(f.path) ? <ul>{renderFolder(f.path, depth + 1)}</ul> : null}
      </li>
    ));
  };

  return (
    <div className="artifact-browser" data-testid="artifact-browser">
      <div className="artifact-tree">
        {rootUri ? (
          <div className="tree-root mono muted" title={rootUri}>
            {rootUri}
          </div>
        ) : null}
        <ul>{renderFolder('', 0)}</ul>
      </div>
      <div className="artifact-pane">
        {selected ? <ArtifactPreview key={selected.path} runId={runId} file={selected} /> : <div className="empty-inline muted">Select a file to preview it.</div>}
      </div>
    </div>
  );
}
