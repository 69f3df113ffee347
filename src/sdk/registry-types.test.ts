import { describe, expectTypeOf, it } from 'vitest';
import type * as domain from '../registry/model.js';
import type * as lineage from '../registry/lineage/model.js';
import type { VersionPackage as ServerPackage } from '../registry/packages/package-service.js';
import type { RegistryService } from '../registry/service.js';
import type * as wire from './registry-types.js';

// The SDK may not import registry/, so it declares the wire types itself. These assertions are
// checked by `tsc` (the typecheck fails when a side drifts); vitest only runs them as no-ops.
describe('registry wire types mirror the registry domain', () => {
  it('declares the same entities', () => {
    expectTypeOf<wire.RegisteredModel>().toEqualTypeOf<domain.RegisteredModel>();
    expectTypeOf<wire.ModelVersion>().toEqualTypeOf<domain.ModelVersion>();
    expectTypeOf<wire.Stage>().toEqualTypeOf<domain.Stage>();
    expectTypeOf<wire.ModelVersionStatus>().toEqualTypeOf<domain.ModelVersionStatus>();
    expectTypeOf<wire.RegistryEvent>().toEqualTypeOf<domain.RegistryEvent>();
    expectTypeOf<wire.RegistryEventType>().toEqualTypeOf<domain.RegistryEventType>();
    expectTypeOf<wire.ApprovalRule>().toEqualTypeOf<domain.ApprovalRule>();
    expectTypeOf<wire.ApprovalRequest>().toEqualTypeOf<domain.ApprovalRequest>();
    expectTypeOf<wire.ApprovalStatus>().toEqualTypeOf<domain.ApprovalStatus>();
    expectTypeOf<wire.AliasAtTime>().toEqualTypeOf<Awaited<ReturnType<RegistryService['aliasAt']>>>();
  });

  it('declares the lineage graph and the package as the server sends them', () => {
    expectTypeOf<wire.LineageGraph>().toEqualTypeOf<lineage.LineageGraph>();
    expectTypeOf<wire.LineageNodeKind>().toEqualTypeOf<lineage.LineageNodeKind>();
    expectTypeOf<wire.LineageRelation>().toEqualTypeOf<lineage.LineageRelation>();
    // The server's manifest and signature are richer types; every package it sends fits the SDK's.
    expectTypeOf<ServerPackage>().toExtend<wire.VersionPackage>();
    expectTypeOf<keyof wire.VersionPackage>().toEqualTypeOf<keyof ServerPackage>();
  });
});
