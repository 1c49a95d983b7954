/**
 * A sandbox started inside the test, so the test holds the ground truth (`workspace`) and the call
 * counters while the CLI runs in a child process against it. Its clock is frozen at `clockMs`, so the
 * 90-day listing cutoff cannot move while a run is under way and the expected figures are exact.
 * A frozen clock also freezes the fixed rate window: `freshRun()` opens a new one before each run.
 */
import { startSandbox, type Sandbox, type SandboxVariant, type SandboxWorkspace } from '../../src/sandbox/index.js';

export interface E2eSandbox {
  sandbox: Sandbox;
  /** The sandbox's (frozen) clock, ms. */
  clockMs: number;
  /** What the CLI needs to use this sandbox: base URL, token, and the matching rate-limit allowance. */
  env: Record<string, string>;
  /** Zeroes the counters and opens a fresh rate window: call before each CLI run. */
  freshRun(): void;
  close(): Promise<void>;
}

export interface E2eSandboxOptions {
  contacts?: number;
  seed?: number;
  workspace?: SandboxWorkspace;
  /** Requests per 10 s the sandbox admits, and the CLI is told (RATE_LIMIT_ALLOWANCE). Default 20,000. */
  allowance?: number;
  /**
   * The GET /events page size served whatever the client asks (default and maximum, clamped); small,
   * so that some contacts need several pages. Default 20. `variant` overrides it.
   */
  eventsPerPage?: number;
  /** API behaviours as `cohort-reports sandbox` offers them (--events-default-page, --segment-page, …). */
  variant?: SandboxVariant;
  clockMs?: number;
  port?: number;
  token?: string;
}

export async function startE2eSandbox(options: E2eSandboxOptions = {}): Promise<E2eSandbox> {
  const clockMs = options.clockMs ?? Math.floor(Date.now() / 1000) * 1000;
  const allowance = options.allowance ?? 20_000;
  const sandbox = await startSandbox({
    ...(options.workspace ? { workspace: options.workspace } : { contacts: options.contacts ?? 600, seed: options.seed ?? 1, nowSec: clockMs / 1000 }),
    clock: () => clockMs,
    rateLimit: { allowancePerWindow: allowance },
    eventsPerPageDefault: options.eventsPerPage ?? 20,
    eventsPerPageMax: options.eventsPerPage ?? 20,
    ...options.variant,
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.token !== undefined ? { token: options.token } : {}),
  });
  return {
    sandbox,
    clockMs,
    env: { INTERCOM_BASE_URL: sandbox.url, INTERCOM_TOKEN: sandbox.token, RATE_LIMIT_ALLOWANCE: String(allowance) },
    freshRun() {
      sandbox.resetCounters();
      sandbox.setRateLimit({ allowancePerWindow: allowance });
    },
    close: () => sandbox.close(),
  };
}
