/**
 * Wire types of the native registry API (`/api/v1/models…`, `/api/v1/approvals…`). The entities are
 * the registry domain's own types, imported type-only (erased at compile time, so the SDK carries no
 * runtime dependency on the server); only shapes that exist on the wire alone are declared here.
 */
export type {
  ApprovalRequest,
  ApprovalRule,
  ApprovalStatus,
  ModelVersion,
  ModelVersionStatus,
  RegisteredModel,
  RegistryEvent,
  RegistryEventType,
  Stage,
} from '../registry/model.js';
export type { LineageEdge, LineageGraph, LineageNode, LineageNodeKind, LineageRelation } from '../registry/lineage/model.js';
import type { RegistryEvent } from '../registry/model.js';

/** What `models.aliasAt` answers: the version (null: none) and the event that put it there. */
export interface AliasAtTime {
  version: string | null;
  event: RegistryEvent | null;
}

/**
 * A version's package as JSON: the server's type narrows `manifest`; `registry-types.test.ts`
 * checks the two keep the same keys.
 */
export interface VersionPackage {
  name: string;
  version: string;
  source: string;
  /** Artifact-store path of the package root. */
  root: string;
  /** The parsed `MLmodel` file. */
  manifest: Record<string, unknown>;
  flavors: string[];
  runtime: 'onnx' | 'js' | 'python' | null;
  signature: { inputs: unknown[] | null; outputs: unknown[] | null; params: unknown[] | null } | null;
  requirements: string[];
  files: { path: string; size: number }[];
  /** Files the flavors name that the package does not hold. */
  problems: string[];
}
