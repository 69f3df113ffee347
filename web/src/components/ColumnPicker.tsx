import { useEffect, useRef, useState } from 'react';

/** Chosen metric and param columns of the runs table. */
export interface ColumnChoice {
  metrics: string[];
  params: string[];
}

/** Drop-down listing every metric and param key seen in the loaded runs, with a checkbox each. */
export function ColumnPicker({ available, chosen, onChange }: { available: ColumnChoice; chosen: ColumnChoice; onChange: (next: ColumnChoice) => void }) {
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState('');
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) setOpen(false);
    };
    const escape = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', escape);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('keydown', escape);
    };
  }, [open]);

  const toggle = (kind: keyof ColumnChoice, key: string) => {
    const list = chosen[kind];
    const next = list.includes(key) ? list.filter((k) => k !== key) : [...list, key];
    onChange({ ...chosen, [kind]: next });
  };
  const q = query.trim().toLowerCase();
  const section = (kind: keyof ColumnChoice, title: string) => {
    const keys = available[kind].filter((k) => !q || k.toLowerCase().includes(q));
    return (
      <div className="picker-section">
        <div className="picker-title">
          {title}
          <span className="muted"> ({available[kind].length})</span>
          <span className="spacer" />
          <button type="button" className="link-button" onClick={() => onChange({ ...chosen, [kind]: [...new Set([...chosen[kind], ...keys])] })}>
            all
          </button>
          <button type="button" className="link-button" onClick={() => onChange({ ...chosen, [kind]: chosen[kind].filter((k) => !keys.includes(k)) })}>
            none
          </button>
        </div>
        {keys.length === 0 ? <div className="muted picker-empty">none</div> : null}
        {keys.map((key) => (
          <label key={key} className="picker-item">
            <input type="checkbox" checked={chosen[kind].includes(key)} onChange={() => toggle(kind, key)} data-column-key={`${kind}.${key}`} />
            <span className="mono">{key}</span>
          </label>
        ))}
      </div>
    );
  };

  const count = chosen.metrics.length + chosen.params.length;
  return (
    <div className="column-picker" ref={ref}>
      <button type="button" className="btn" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        Columns <span className="count">{count}</span> ▾
      </button>
      {open ? (
        <div className="picker-panel" role="dialog" aria-label="Choose columns">
          <input className="picker-search" placeholder="Find a key…" value={query} onChange={(e) => setQuery(e.target.value)} autoFocus />
          <div className="picker-body">
            {section('metrics', 'Metrics')}
            {section('params', 'Params')}
          </div>
        </div>
      ) : null}
    </div>
  );
}
