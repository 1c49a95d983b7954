import { isLoopbackHost } from '../shared/is-loopback-host.js';
import type { BasicAuthCredentials } from './check-basic-auth.js';
import { DashboardError } from './errors.js';

export interface DashboardAuthInput {
  /** The address the dashboard binds to. */
  host: string;
  /** DASHBOARD_USER and DASHBOARD_PASSWORD, as the entry point read them (empty counts as unset). */
  user: string | undefined;
  password: string | undefined;
}

/**
 * Decides the dashboard's authentication: basic auth whenever credentials are given; none only when
 * bound to loopback (then only someone on the machine, or at the other end of an SSH tunnel, can reach
 * it). Bound anywhere else without credentials, it refuses to start: the board shows every job's data
 * and, with --allow-actions, retries and removes jobs.
 *
 * @example resolveDashboardAuth({ host: '127.0.0.1', user: undefined, password: undefined }) // null
 */
export function resolveDashboardAuth(input: DashboardAuthInput): BasicAuthCredentials | null {
  const user = input.user ? input.user : undefined;
  const password = input.password ? input.password : undefined;
  if ((user === undefined) !== (password === undefined)) {
    throw new DashboardError(
      'DASHBOARD_AUTH_INCOMPLETE',
      `${user === undefined ? 'DASHBOARD_USER' : 'DASHBOARD_PASSWORD'} is not set: set both DASHBOARD_USER and DASHBOARD_PASSWORD, or neither (loopback only)`,
    );
  }
  if (user !== undefined && password !== undefined) {
    if (user.includes(':')) {
      throw new DashboardError('DASHBOARD_AUTH_INCOMPLETE', 'DASHBOARD_USER must not contain ":" (basic auth separates user and password with it)');
    }
    return { user, password };
  }
  if (isLoopbackHost(input.host)) return null;
  throw new DashboardError(
    'DASHBOARD_AUTH_REQUIRED',
    `refusing to listen on ${input.host} without authentication: set DASHBOARD_USER and DASHBOARD_PASSWORD, ` +
      `or bind to loopback (--host 127.0.0.1, the default) and reach it through an SSH tunnel`,
  );
}
