/**
 * Run progress for people: one line rewritten in place on a TTY, a log line every 10 s otherwise.
 * The ETA assumes what the limiter guarantees: at most allowance × share calls per window.
 */
import type { Logger } from 'pino';
import type { IntercomApi } from '../intercom/types.js';
import type { RunStore } from '../pipeline/run-store.js';
import type { RateLimitSettings } from '../rate-limit/rate-limiter.js';

export interface ProgressReporter {
  /** Call after each unit of work; cheap: it only marks that something changed. */
  step(): void;
  stop(): void;
}

export function createProgressReporter(options: {
  store: RunStore<unknown>;
  api: IntercomApi;
  settings: RateLimitSettings;
  log: Logger;
  stream?: NodeJS.WriteStream;
}): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  const tty = stream.isTTY === true;
  const callsPerSec = (options.settings.allowancePerWindow * options.settings.share) / options.settings.windowSeconds;
  let dirty = false;
  let stopped = false;
  let lastLog = 0;

  const render = async (): Promise<void> => {
    if (!dirty || stopped) return;
    dirty = false;
    const p = await options.store.progress();
    const { calls, responses429 } = options.api.stats;
    const etaSec = Math.ceil((p.contacts - p.contactsDone) / callsPerSec);
    const line =
      `cohorts ${p.cohortsDone}/${p.cohorts} paged · contacts ${p.contactsDone}/${p.contacts} fetched · ` +
      `${calls} API calls · ${responses429} × 429 · ETA ≥ ${etaSec}s`;
    if (tty) {
      if (!stopped) stream.write(`\r\x1b[2K${line}`);
    } else if (Date.now() - lastLog >= 10_000) {
      lastLog = Date.now();
      options.log.info({ ...p, apiCalls: calls, responses429, etaSec }, 'progress');
    }
  };
  const timer = setInterval(() => void render().catch(() => {}), tty ? 250 : 1000);
  timer.unref();
  return {
    step() {
      dirty = true;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      if (tty) stream.write('\r\x1b[2K');
    },
  };
}
