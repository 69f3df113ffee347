import { BrowserRouter, Route, Routes } from 'react-router-dom';
import { AppShell } from './components/AppShell';
import { ActingUserProvider } from './lib/ActingUserContext';
import { ProjectProvider } from './lib/ProjectContext';
import { ComparePage } from './pages/ComparePage';
import { ExperimentsPage } from './pages/ExperimentsPage';
import { ModelPage } from './pages/ModelPage';
import { ModelsPage } from './pages/ModelsPage';
import { ModelVersionPage } from './pages/ModelVersionPage';
import { DeploymentPage } from './pages/DeploymentPage';
import { DeploymentsPage } from './pages/DeploymentsPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { PipelineRunPage } from './pages/PipelineRunPage';
import { PipelinesPage } from './pages/PipelinesPage';
import { PipelineTriggersPage } from './pages/PipelineTriggersPage';
import { RunPage } from './pages/RunPage';
import { RunsPage } from './pages/RunsPage';
import { MonitorPage } from './pages/MonitorPage';
import { MonitorsPage } from './pages/MonitorsPage';

/** Routes of the single-page UI (`/models…` is the registry); the server answers index.html for every non-API path. */
export function App() {
  return (
    <ActingUserProvider>
      <ProjectProvider>
        <BrowserRouter>
          <Routes>
            <Route element={<AppShell />}>
              <Route index element={<ExperimentsPage />} />
              <Route path="experiments/:experimentId" element={<RunsPage />} />
              <Route path="runs/:runId" element={<RunPage />} />
              <Route path="compare" element={<ComparePage />} />
              <Route path="models" element={<ModelsPage />} />
              <Route path="models/:name" element={<ModelPage />} />
              <Route path="models/:name/versions/:version" element={<ModelVersionPage />} />
              <Route path="pipelines" element={<PipelinesPage />} />
              <Route path="pipelines/runs/:runId" element={<PipelineRunPage />} />
              <Route path="pipelines/:name/triggers" element={<PipelineTriggersPage />} />
              <Route path="deployments" element={<DeploymentsPage />} />
              <Route path="deployments/:name" element={<DeploymentPage />} />
              <Route path="monitoring" element={<MonitorsPage />} />
              <Route path="monitoring/:deployment" element={<MonitorPage />} />
              <Route path="*" element={<NotFoundPage />} />
            </Route>
          </Routes>
        </BrowserRouter>
      </ProjectProvider>
    </ActingUserProvider>
  );
}
