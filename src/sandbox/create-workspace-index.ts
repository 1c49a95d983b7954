/**
 * Look-ups the handlers need over a SandboxWorkspace, built once per server (the reverse indexes
 * lazily, so a server that never sees an email look-up never pays for that map).
 */
import type { WireContact, WireEvent } from '../intercom/types.js';
import { cohortKey, type SandboxWorkspace } from './types.js';

export interface WorkspaceIndex {
  readonly workspace: SandboxWorkspace;
  contactById(id: string): WireContact | undefined;
  contactByExternalId(externalId: string): WireContact | undefined;
  /** Case-insensitive, as e-mail addresses are. */
  contactByEmail(email: string): WireContact | undefined;
  events(contactId: string): readonly WireEvent[];
  /** Tag ids of a contact, in workspace tag order. */
  tagIdsOf(contactId: string): readonly string[];
  /**
   * The contacts a single-filter search lists, in listing order: a cohort's members for `=`, every
   * other contact (in the order of workspace.contacts) for `!=`. Unknown cohorts have no members.
   */
  searchResults(type: 'segment' | 'tag', id: string, operator: '=' | '!='): readonly WireContact[];
  /** Position of a contact in `searchResults(...)`, or -1. */
  positionIn(type: 'segment' | 'tag', id: string, operator: '=' | '!=', contactId: string): number;
}

export function createWorkspaceIndex(workspace: SandboxWorkspace): WorkspaceIndex {
  const byId = new Map<string, WireContact>();
  for (const c of workspace.contacts) byId.set(c.id, c);
  let byExternalId: Map<string, WireContact> | undefined;
  let byEmail: Map<string, WireContact> | undefined;
  let tagsByContact: Map<string, string[]> | undefined;
  const results = new Map<string, WireContact[]>();
  const positions = new Map<string, Map<string, number>>();

  const searchResults = (type: 'segment' | 'tag', id: string, operator: '=' | '!='): WireContact[] => {
    const key = `${operator}${cohortKey(type, id)}`;
    let list = results.get(key);
    if (!list) {
      const memberIds = workspace.membersByCohort.get(cohortKey(type, id)) ?? [];
      if (operator === '=') {
        list = memberIds.map((m) => byId.get(m)).filter((c): c is WireContact => c !== undefined);
      } else {
        const members = new Set(memberIds);
        list = workspace.contacts.filter((c) => !members.has(c.id));
      }
      results.set(key, list);
    }
    return list;
  };

  return {
    workspace,
    contactById: (id) => byId.get(id),
    contactByExternalId(externalId) {
      if (!byExternalId) {
        byExternalId = new Map();
        for (const c of workspace.contacts) if (c.external_id !== null) byExternalId.set(c.external_id, c);
      }
      return byExternalId.get(externalId);
    },
    contactByEmail(email) {
      if (!byEmail) {
        byEmail = new Map();
        for (const c of workspace.contacts) if (c.email) byEmail.set(c.email.toLowerCase(), c);
      }
      return byEmail.get(email.toLowerCase());
    },
    events: (contactId) => workspace.eventsByContact.get(contactId) ?? [],
    tagIdsOf(contactId) {
      if (!tagsByContact) {
        tagsByContact = new Map();
        for (const tag of workspace.tags) {
          for (const member of workspace.membersByCohort.get(cohortKey('tag', tag.id)) ?? []) {
            const list = tagsByContact.get(member);
            if (list) list.push(tag.id);
            else tagsByContact.set(member, [tag.id]);
          }
        }
      }
      return tagsByContact.get(contactId) ?? [];
    },
    searchResults,
    positionIn(type, id, operator, contactId) {
      const key = `${operator}${cohortKey(type, id)}`;
      let map = positions.get(key);
      if (!map) {
        map = new Map();
        searchResults(type, id, operator).forEach((c, i) => map!.set(c.id, i));
        positions.set(key, map);
      }
      return map.get(contactId) ?? -1;
    },
  };
}
