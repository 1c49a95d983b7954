import { quoted } from '../shared/printable.js';
import type { Transport } from './create-transport.js';
import type { WorkspaceIdentity } from './types.js';
import { parseMe } from './wire-schemas.js';

/**
 * Which workspace the token reads (`GET /me` → the admin, with the workspace embedded as `app`).
 * `app.id_code` is the workspace's stable id: the same token always answers the same one, so it is
 * what an output folder and a deployment are bound to (see INTERCOM.md, "GET /me").
 */
export async function identifyWorkspace(transport: Transport, baseUrl: string, signal?: AbortSignal): Promise<WorkspaceIdentity> {
  const me = await transport.send({ endpoint: 'me', method: 'GET', url: `${baseUrl}/me`, parse: parseMe, ...(signal ? { signal } : {}) });
  return { id: me.app.id_code, name: me.app.name ?? me.app.id_code, region: me.app.region ?? null, timezone: me.app.timezone ?? null };
}

/** How a workspace is named in a line for people: `"Acme EU" (id "abc123")`, its name and id made printable. */
export function describeWorkspace(w: { id: string; name: string }): string {
  return w.name === w.id ? quoted(w.id) : `${quoted(w.name)} (id ${quoted(w.id)})`;
}
