/** The sandbox's generated workspace as the reference's raw data, with member repeats added. */
import { generateWorkspace } from '../../src/sandbox/generate-workspace.js';
import { cohortKey } from '../../src/sandbox/types.js';
import type { RawData } from './report-reference.js';

export function sandboxRawData(options: { contacts: number; seed: number; nowSec: number }): RawData {
  const ws = generateWorkspace(options);
  const contacts: RawData['contacts'] = new Map(
    ws.contacts.map((c) => [
      c.id,
      // Typed unknown (an extra field of WireContact); generateWorkspace always sets the boolean.
      { id: c.id, role: c.role, created_at: c.created_at, signed_up_at: c.signed_up_at, unsubscribed_from_emails: c.unsubscribed_from_emails === true },
    ]),
  );
  const withRepeats = (ids: string[]): string[] => [...ids, ...ids.filter((_, i) => i % 7 === 3)];
  const cohorts: RawData['cohorts'] = [
    ...ws.segments.map((s) => ({
      type: 'segment' as const,
      id: s.id,
      name: s.name,
      reported: s.count ?? null,
      memberIds: withRepeats(ws.membersByCohort.get(cohortKey('segment', s.id)) ?? []),
    })),
    ...ws.tags.map((t) => ({
      type: 'tag' as const,
      id: t.id,
      name: t.name,
      reported: null,
      memberIds: withRepeats(ws.membersByCohort.get(cohortKey('tag', t.id)) ?? []),
    })),
  ];
  const events: RawData['events'] = new Map(
    [...ws.eventsByContact].map(([id, list]) => [
      id,
      list.map((e) => ({ id: e.id, event_name: e.event_name, created_at: e.created_at, metadata: e.metadata as Record<string, unknown> })),
    ]),
  );
  return { contacts, cohorts, events };
}
