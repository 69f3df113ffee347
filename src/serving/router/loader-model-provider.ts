import type { ModelSignature } from '../../registry/packages/manifest.js';
import type { RuntimeKind } from '../deployments/model.js';
import type { LoadedModel } from '../model-runtime.js';
import type { ModelProvider, ModelTarget, ServedModel } from './model-cache.js';

/** The part of the runtimes' ModelLoader the router uses (resolve → materialize → runtime → load). */
export interface PackageModelLoader {
  load(reference: string, options?: { runtime?: RuntimeKind; concurrency?: number; http?: { url: string; protocol: 'oip' | 'mlflow'; model?: string } }): Promise<LoadedModel & { signature: ModelSignature | null; runtime: RuntimeKind }>;
}

/** A ModelProvider over the ModelLoader: loads `name/version` exactly (aliases are resolved by the router). */
export function loaderModelProvider(loader: PackageModelLoader): ModelProvider {
  return {
    async load(target: ModelTarget): Promise<ServedModel> {
      const http = target.http ? { url: target.http.url, protocol: target.http.protocol, ...(target.http.model ? { model: target.http.model } : {}) } : undefined;
      const model = await loader.load(`${target.name}/${target.version}`, { ...(target.runtime ? { runtime: target.runtime } : {}), concurrency: target.concurrency, ...(http ? { http } : {}) });
      return { model, signature: model.signature, runtime: model.runtime };
    },
  };
}
