import type { RuntimeKind } from '../deployments/model.js';
import type { LoadedModel } from '../model-runtime.js';
import type { ModelProvider, ModelTarget, ServedModel } from './model-cache.js';

/** The part of the runtimes' ModelLoader the router uses (resolve → materialize → runtime → load). */
export interface PackageModelLoader {
  load(reference: string, options?: { runtime?: RuntimeKind; concurrency?: number }): Promise<LoadedModel & { signature: { inputs: { name?: string | null; type: string }[] | null } | null }>;
}

/** A ModelProvider over the ModelLoader: loads `name/version` exactly (aliases are resolved by the router). */
export function loaderModelProvider(loader: PackageModelLoader): ModelProvider {
  return {
    async load(target: ModelTarget): Promise<ServedModel> {
      const model = await loader.load(`${target.name}/${target.version}`, { ...(target.runtime ? { runtime: target.runtime } : {}), concurrency: target.concurrency });
      const inputs = model.signature?.inputs ?? null;
      // Column-based signatures fix the feature order records are packed in; tensor ones name tensors.
      const columns = inputs && inputs.length > 0 && inputs.every((s) => s.type !== 'tensor' && s.name) ? inputs.map((s) => s.name!) : null;
      return { model, columns };
    },
  };
}
