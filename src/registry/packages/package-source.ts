import { joinArtifactPath } from '../../storage/artifacts/artifact-path.js';
import { proxiedArtifactPath } from '../../tracking/artifact-uri.js';
import type { LoggedModelService } from '../../tracking/logged-model-service.js';
import type { TrackingService } from '../../tracking/service.js';

/** Where a version says its package is: what `RegistryService.createVersion` records. */
export interface PackageLocation {
  source: string;
  runId?: string | null;
  loggedModelId?: string | null;
}

/** The services that turn a run id or a logged model id into its artifact location. */
export interface PackageSourceDeps {
  tracking: TrackingService;
  loggedModels: LoggedModelService;
}

const RUNS_URI = /^runs:\/([^/]+)(?:\/(.*))?$/;
const LOGGED_MODEL_URI = /^models:\/(m-[0-9a-f]{32})\/?$/;

/**
 * The artifact-store path of a version's package root, or null when the package is not held by this
 * server (an `s3://…` source the client wrote itself, say). Sources, in MLflow's forms:
 * `mlflow-artifacts:/1/<run>/artifacts/model`; `runs:/<run_id>/model` (relative to the run's
 * artifact root); `models:/m-<id>` (a logged model: its artifact location). A path that tries to
 * leave its root is refused with INVALID_ARGUMENT; an unknown run or logged model is NOT_FOUND.
 */
export async function resolvePackageRoot(location: PackageLocation, deps: PackageSourceDeps): Promise<string | null> {
  const { source } = location;
  const proxied = proxiedArtifactPath(source);
  if (proxied !== null) return joinArtifactPath(proxied);
  const run = RUNS_URI.exec(source);
  if (run) {
    const info = await deps.tracking.getRunInfo(run[1]!);
    const root = proxiedArtifactPath(info.artifactUri);
    return root === null ? null : joinArtifactPath(root, run[2] ?? '');
  }
  const modelId = LOGGED_MODEL_URI.exec(source)?.[1] ?? location.loggedModelId;
  if (modelId) return proxiedArtifactPath((await deps.loggedModels.get(modelId)).artifactLocation);
  return null;
}
