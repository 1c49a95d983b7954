/** A dashboard that must not start as configured. `exitCode` 2: the command line or environment is wrong. */
export class DashboardError extends Error {
  readonly exitCode = 2;
  constructor(
    readonly code: 'DASHBOARD_AUTH_REQUIRED' | 'DASHBOARD_AUTH_INCOMPLETE' | 'DASHBOARD_PUBLIC_HOST_INVALID',
    message: string,
  ) {
    super(message);
    this.name = 'DashboardError';
  }
}
