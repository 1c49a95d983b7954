/**
 * The sandbox's ground truth: the whole workspace as generated, so tests can compute expected figures
 * independently of the client. The server serves exactly this data (events older than 90 days exist
 * here but are not listable through the API, as in Intercom).
 */
import type { WireContact, WireEvent, WireSegment, WireTag } from '../intercom/types.js';

export interface SandboxWorkspace {
  /** The "now" the data was generated around, Unix seconds. */
  nowSec: number;
  seed: number;
  /** Segments as GET /segments?include_count=true answers them (`count` = real member count). */
  segments: WireSegment[];
  tags: WireTag[];
  /** Every contact, users and leads. */
  contacts: WireContact[];
  /** Member contact ids per cohort, keyed `segment:<id>` or `tag:<id>`, in the order the search lists them. */
  membersByCohort: Map<string, string[]>;
  /** Every event per contact id, newest first (ties by id). Includes events older than 90 days. */
  eventsByContact: Map<string, WireEvent[]>;
}

export function cohortKey(type: 'segment' | 'tag', id: string): string {
  return `${type}:${id}`;
}
