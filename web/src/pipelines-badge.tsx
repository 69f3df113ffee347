import { stateClass } from './pipelines-api';

/** Coloured pill for a pipeline run or step state. */
export function PipelineStateBadge({ state }: { state: string }) {
  return (
    <span className={`badge status-${stateClass(state)}`} data-state={state}>
      {state === 'running' ? <span className="pulse" aria-hidden="true" /> : null}
      {state}
    </span>
  );
}
