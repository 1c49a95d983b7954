import { DashboardError } from './errors.js';
import { parseAuthority, type Authority } from './parse-authority.js';

/**
 * The --public-host values (a name, or name:port to allow that port only), or a DashboardError naming
 * the first value that is not a plain host name.
 *
 * @example parsePublicHosts(['queues.example.com']) // [{ hostname: 'queues.example.com', port: null }]
 */
export function parsePublicHosts(values: readonly string[]): Authority[] {
  return values.map((value) => {
    const authority = parseAuthority(value.trim());
    if (authority === null) {
      throw new DashboardError('DASHBOARD_PUBLIC_HOST_INVALID', `--public-host must be a host name or name:port as browsers put it in the Host header (got ${JSON.stringify(value)})`);
    }
    return authority;
  });
}
