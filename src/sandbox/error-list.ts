/** Intercom's error body: `{type:"error.list", request_id, errors:[{code, message, field?}]}`. */
import type { WireErrorList } from '../intercom/types.js';
import type { SandboxResponse } from './types.js';

export function errorList(status: number, requestId: string, code: string, message: string, field?: string): SandboxResponse {
  const error: WireErrorList['errors'][number] = { code, message };
  if (field !== undefined) error.field = field;
  const body: WireErrorList = { type: 'error.list', request_id: requestId, errors: [error] };
  return { status, body };
}
