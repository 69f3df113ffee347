import { Link } from 'react-router-dom';

/** `@alias → v3` chips; each links to the version it points at. */
export function AliasChips({ modelName, aliases, showVersion = true }: { modelName: string; aliases: readonly { alias: string; version: string }[]; showVersion?: boolean }) {
  if (aliases.length === 0) return <span className="muted">—</span>;
  return (
    <span className="chips">
      {[...aliases]
        .sort((a, b) => a.alias.localeCompare(b.alias))
        .map((a) => (
          <Link
            key={a.alias}
            to={`/models/${encodeURIComponent(modelName)}/versions/${encodeURIComponent(a.version)}`}
            className="alias-chip"
            data-alias={a.alias}
            data-version={a.version}
            title={`${modelName}@${a.alias} → version ${a.version}`}
          >
            <span className="alias-name">@{a.alias}</span>
            {showVersion ? <span className="alias-version">v{a.version}</span> : null}
          </Link>
        ))}
    </span>
  );
}
