/** The CLI's entry to the sandbox: starts it from plain numbers; the caller prints `url` and `token`. */
import { startSandbox } from './start-sandbox.js';
import type { Sandbox, SandboxOptions } from './types.js';

/** The API behaviours `cohort-reports sandbox` can switch on (see SandboxOptions). */
export type SandboxVariant = Pick<SandboxOptions, 'eventsPerPageDefault' | 'eventsPerPageMax' | 'eventsOverMax' | 'segmentsPerPage' | 'nextOrigin'>;

export async function runSandboxServer(opts: {
  port: number;
  contacts: number;
  seed: number;
  /** Requests per 10-second window, or null for no limit. */
  rateLimit: number | null;
  host?: string;
  variant?: SandboxVariant;
}): Promise<Sandbox> {
  return startSandbox({
    ...opts.variant,
    port: opts.port,
    contacts: opts.contacts,
    seed: opts.seed,
    host: opts.host ?? '127.0.0.1',
    rateLimit: opts.rateLimit === null ? null : { allowancePerWindow: opts.rateLimit, windowSeconds: 10, mode: 'fixed' },
  });
}

/** The variant for the terminal, one short line per behaviour ([] when it is the default behaviour). */
export function describeSandboxVariant(variant: SandboxVariant): string[] {
  const lines: string[] = [];
  const events: string[] = [];
  if (variant.eventsPerPageDefault !== undefined) events.push(`default page ${variant.eventsPerPageDefault}`);
  if (variant.eventsPerPageMax !== undefined) events.push(`max page ${variant.eventsPerPageMax}`);
  if (variant.eventsOverMax !== undefined) events.push(variant.eventsOverMax === '400' ? '400 above the max' : 'clamped at the max');
  if (events.length > 0) lines.push(`events: ${events.join(', ')}`);
  if (variant.segmentsPerPage !== undefined && variant.segmentsPerPage !== null) lines.push(`segments: ${variant.segmentsPerPage} per page`);
  if (variant.nextOrigin !== undefined) lines.push(`next links on ${variant.nextOrigin}`);
  return lines;
}
