import { api } from '../api';
import { useAsync } from '../lib/use-async';
import { useProject } from '../lib/ProjectContext';

/** Drop-down of the server's projects (GET /api/v1/projects); filters the experiments list. */
export function ProjectSelector() {
  const { projectId, setProjectId } = useProject();
  const projects = useAsync((signal) => api.listProjects(signal), []);
  const items = projects.data?.items ?? [];
  const unknown = projectId !== '' && projects.data && !items.some((p) => p.projectId === projectId);
  return (
    <label className="project-selector">
      <span className="muted">Project</span>
      <select
        value={unknown ? '' : projectId}
        onChange={(e) => setProjectId(e.target.value)}
        aria-label="Project"
        disabled={projects.loading && !projects.data}
        title={projects.error ? `Could not load projects: ${(projects.error as Error).message}` : undefined}
      >
        <option value="">All projects</option>
        {items.map((p) => (
          <option key={p.projectId} value={p.projectId} title={p.description ?? undefined}>
            {p.name}
          </option>
        ))}
      </select>
      {projects.error ? <span className="error-inline" title={(projects.error as Error).message}>!</span> : null}
    </label>
  );
}
