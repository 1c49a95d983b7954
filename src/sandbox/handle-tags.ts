/** GET /tags: the 2.x tag list, `{type:"list", data:[…]}`, unpaginated and without counts. */
import type { WireTagList } from '../intercom/types.js';
import type { SandboxResponse, SandboxWorkspace } from './types.js';

export function handleTags(workspace: SandboxWorkspace): SandboxResponse {
  const body: WireTagList = { type: 'list', data: workspace.tags.map((t) => ({ type: 'tag', id: t.id, name: t.name })) };
  return { status: 200, body };
}
