import { api } from '../api';
import { useAsync } from '../lib/use-async';
import { ActingUserField } from './ActingUserField';
import { ProjectSelector } from './ProjectSelector';

/** The bar above every page: project selector on the left, acting user, server version and API link on the right. */
export function TopBar() {
  const version = useAsync((signal) => api.version(signal), []);
  return (
    <header className="top-bar">
      <ProjectSelector />
      <div className="spacer" />
      <ActingUserField />
      <a className="top-link" href="/api/v1/openapi.json" target="_blank" rel="noreferrer">
        API
      </a>
      {version.data ? <span className="version" title="Server version">v{version.data}</span> : null}
    </header>
  );
}
