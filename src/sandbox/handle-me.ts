/** GET /me: the token's admin with the workspace embedded as `app`, as Intercom answers it (2.14 `admin_with_app`). */
import type { SandboxResponse, SandboxWorkspace } from './types.js';

export function handleMe(app: { idCode: string; name: string }, workspace: SandboxWorkspace): SandboxResponse {
  return {
    status: 200,
    body: {
      type: 'admin',
      id: '1',
      email: 'admin@sandbox.invalid',
      name: 'Sandbox admin',
      email_verified: true,
      app: {
        type: 'app',
        id_code: app.idCode,
        name: app.name,
        region: 'US',
        timezone: 'UTC',
        created_at: workspace.nowSec - 400 * 86_400,
        identity_verification: false,
      },
      avatar: { type: 'avatar', image_url: null },
      has_inbox_seat: true,
    },
  };
}
