import type { KeyValue } from '../api';

/** Compact `key=value` chips; system tags (`mlflow.*`, `ascent.*`) are left out unless asked for. */
export function TagChips({ tags, includeSystem = false, max = 6 }: { tags: readonly KeyValue[]; includeSystem?: boolean; max?: number }) {
  const shown = tags.filter((t) => includeSystem || !/^(mlflow|ascent)\./.test(t.key));
  if (shown.length === 0) return <span className="muted">—</span>;
  return (
    <span className="chips">
      {shown.slice(0, max).map((t) => (
        <span key={t.key} className="chip" title={`${t.key} = ${t.value}`}>
          <span className="chip-key">{t.key}</span>
          {t.value !== '' ? <span className="chip-value">{t.value}</span> : null}
        </span>
      ))}
      {shown.length > max ? <span className="chip more">+{shown.length - max}</span> : null}
    </span>
  );
}
