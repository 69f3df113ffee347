import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';

const STORAGE_KEY = 'ascent.project';

/** The project the user is looking at; `''` means every project. */
export interface ProjectSelection {
  projectId: string;
  setProjectId: (projectId: string) => void;
}

const ProjectContext = createContext<ProjectSelection>({ projectId: '', setProjectId: () => undefined });

function readStored(): string {
  try {
    return localStorage.getItem(STORAGE_KEY) ?? '';
  } catch {
    return '';
  }
}

/** Holds the selected project for the whole app and remembers it across visits. */
export function ProjectProvider({ children }: { children: ReactNode }) {
  const [projectId, setState] = useState(readStored);
  const setProjectId = useCallback((id: string) => {
    setState(id);
    try {
      localStorage.setItem(STORAGE_KEY, id);
    } catch {
      // storage disabled: the choice lasts for this page only
    }
  }, []);
  const value = useMemo(() => ({ projectId, setProjectId }), [projectId, setProjectId]);
  return <ProjectContext.Provider value={value}>{children}</ProjectContext.Provider>;
}

export function useProject(): ProjectSelection {
  return useContext(ProjectContext);
}
