import type { RegistryEvent, RegistryEventType } from '../registry-api';

/** Display helpers of the registry pages: approval targets, event groups and one-line event summaries. */

/** `@champion` for an alias target, `stage Production` for `stage:Production`. */
export function targetLabel(target: string): string {
  return target.startsWith('stage:') ? `stage ${target.slice(6)}` : `@${target}`;
}

/** The history filter's groups of event types (sent as the `type` list). */
export const EVENT_GROUPS = {
  alias: { label: 'Alias moves', types: ['alias.set', 'alias.deleted'] },
  approval: { label: 'Approvals', types: ['approval.requested', 'approval.approved', 'approval.rejected', 'approval_rule.set', 'approval_rule.deleted'] },
  version: {
    label: 'Versions',
    types: ['version.created', 'version.updated', 'version.ready', 'version.deleted', 'version.tag_set', 'version.tag_deleted', 'version.stage_transitioned'],
  },
  model: { label: 'Model', types: ['model.created', 'model.updated', 'model.renamed', 'model.deleted', 'model.tag_set', 'model.tag_deleted'] },
} satisfies Record<string, { label: string; types: readonly RegistryEventType[] }>;

export type EventGroup = keyof typeof EVENT_GROUPS;

export function isEventGroup(value: string | null): value is EventGroup {
  return value !== null && Object.hasOwn(EVENT_GROUPS, value);
}

/** The group an event type belongs to, for its colour on the timeline. */
export function groupOf(type: RegistryEventType): EventGroup {
  return type.startsWith('alias.') ? 'alias' : type.startsWith('approval') ? 'approval' : type.startsWith('version.') ? 'version' : 'model';
}

const v = (version: string | null | undefined) => (version ? `v${version}` : '—');
const str = (x: unknown) => (typeof x === 'string' || typeof x === 'number' ? String(x) : '');

/** What happened, in a few words (the actor, time and reason are shown beside it). */
export function describeEvent(e: RegistryEvent): string {
  const p = e.payload ?? {};
  const alias = e.alias ? targetLabel(e.alias) : '';
  switch (e.type) {
    case 'alias.set':
      return e.fromVersion ? `moved ${alias} ${v(e.fromVersion)} → ${v(e.toVersion)}` : `set ${alias} → ${v(e.toVersion)}`;
    case 'alias.deleted':
      return `deleted ${alias} (was ${v(e.fromVersion)})`;
    case 'approval.requested':
      return `requested approval: ${alias} → ${v(e.version)}`;
    case 'approval.approved':
      return `approved ${alias} → ${v(e.version)}${p.required ? ` (${str(p.approvals)}/${str(p.required)})` : ''}`;
    case 'approval.rejected':
      return `rejected ${alias} → ${v(e.version)}`;
    case 'approval_rule.set':
      return `gated ${alias} behind ${str(p.requiredApprovals) || '1'} approval${Number(p.requiredApprovals) > 1 ? 's' : ''}`;
    case 'approval_rule.deleted':
      return `removed the approval gate of ${alias}`;
    case 'version.created':
      return `registered ${v(e.version)}${p.runId ? ` from run ${str(p.runId).slice(0, 8)}` : ''}`;
    case 'version.stage_transitioned':
      return `moved ${v(e.version)} from ${str(p.from) || 'None'} to ${str(p.to)}`;
    case 'version.tag_set':
    case 'model.tag_set':
      return `set tag ${str(p.key)}=${str(p.value)}${e.version ? ` on ${v(e.version)}` : ''}`;
    case 'version.tag_deleted':
    case 'model.tag_deleted':
      return `deleted tag ${str(p.key)}${e.version ? ` on ${v(e.version)}` : ''}`;
    case 'model.renamed':
      return `renamed ${str(p.from)} → ${str(p.to)}`;
    default:
      return `${e.type.replace(/[._]/g, ' ')}${e.version ? ` ${v(e.version)}` : ''}`;
  }
}

/** `2026-01-31T12:00:00.000` in the browser's zone, the value a datetime-local input takes. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 23);
}
