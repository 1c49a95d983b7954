/**
 * The design claim, checked by simulation with the real planTake/planReport: however many greedy
 * clients draw from the bucket, and however each request's latency varies within the margin, no server
 * window of the allowance's length — fixed with any alignment, or sliding — receives more than the
 * allowance; and the allowance's configured share is still used.
 */
import { describe, expect, it } from 'vitest';
import { bucketShape } from '../../src/rate-limit/bucket-shape.js';
import { planReport } from '../../src/rate-limit/plan-report.js';
import { planTake } from '../../src/rate-limit/plan-take.js';
import type { BucketState } from '../../src/rate-limit/plan-take.js';
import { jitterSpansMs } from '../../src/rate-limit/wait-for-grant.js';
import { createPrng } from '../../src/sandbox/create-prng.js';

const START_MS = 1_800_000_000_000;

interface Sim {
  allowancePerWindow: number;
  windowMs: number;
  share: number;
  latencyMarginMs: number;
  clients: number;
  durationMs: number;
  seed: number;
  /** A 429 reported at atMs, whose X-RateLimit-Reset is resetAtSec. */
  refusal?: { atMs: number; resetAtSec: number };
}

/** Greedy clients: each takes again the moment its previous request is sent. Returns send and arrival times. */
function simulate(sim: Sim): { sendsMs: number[]; arrivalsMs: number[] } {
  const random = createPrng(sim.seed).next;
  const params = { allowancePerWindow: sim.allowancePerWindow, windowMs: sim.windowMs, share: sim.share, latencyMarginMs: sim.latencyMarginMs };
  const { resumeJitterMs, retryJitterMs } = jitterSpansMs(sim.windowMs);
  const clients = Array.from({ length: sim.clients }, (_, i) => ({ atMs: START_MS + i, action: 'attempt' as 'attempt' | 'send' }));
  let state: BucketState | null = null;
  let pausedUntilMs: number | null = null;
  let refusal = sim.refusal;
  const sendsMs: number[] = [];
  const arrivalsMs: number[] = [];
  for (;;) {
    const client = clients.reduce((a, b) => (b.atMs < a.atMs ? b : a));
    const nowMs = client.atMs;
    if (refusal !== undefined && nowMs >= refusal.atMs) {
      const feedback = { status: 429, limit: sim.allowancePerWindow, remaining: 0, resetAtSec: refusal.resetAtSec, retryAfterSec: null };
      const decision = planReport({ ...params, nowMs: refusal.atMs, feedback, state, pausedUntilMs, learnedLimit: null });
      if (decision.pause !== null) {
        pausedUntilMs = decision.pause.untilMs;
        state = decision.pause.state ?? state;
        for (const c of clients) if (c.action === 'send' && c.atMs > refusal.atMs) c.atMs += decision.pause.shiftMs;
      }
      refusal = undefined;
      continue;
    }
    if (nowMs > START_MS + sim.durationMs) break;
    if (client.action === 'send') {
      sendsMs.push(nowMs);
      arrivalsMs.push(nowMs + random() * sim.latencyMarginMs);
      client.action = 'attempt';
      continue;
    }
    const decision = planTake({ ...params, nowMs, state, pausedUntilMs, learnedLimit: null });
    if (decision.kind === 'granted') {
      state = decision.state;
      client.action = 'send';
      client.atMs = nowMs + decision.waitMs;
    } else {
      client.atMs = nowMs + decision.waitMs + random() * (decision.kind === 'paused' ? resumeJitterMs : retryJitterMs);
    }
  }
  return { sendsMs, arrivalsMs };
}

/** The most arrivals in any interval [x, x + windowMs): every fixed window, whatever its alignment, is one of them. */
function busiestWindow(arrivalsMs: number[], windowMs: number): number {
  const sorted = [...arrivalsMs].sort((a, b) => a - b);
  let most = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last++) {
    while ((sorted[last] ?? 0) - (sorted[first] ?? 0) >= windowMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

const configs = [
  { allowancePerWindow: 200, windowMs: 10_000, share: 0.9, durationMs: 80_000 },
  { allowancePerWindow: 167, windowMs: 10_000, share: 1, durationMs: 80_000 },
  { allowancePerWindow: 100, windowMs: 2000, share: 0.9, durationMs: 30_000 },
  { allowancePerWindow: 12, windowMs: 1000, share: 0.5, durationMs: 20_000 },
];

describe('the token bucket against server windows', () => {
  for (const config of configs) {
    for (const clients of [1, 8]) {
      const label = `${config.allowancePerWindow} per ${config.windowMs} ms, share ${config.share}, ${clients} clients`;

      it(`never lets a window, fixed or sliding, receive more than the allowance (${label})`, () => {
        const { arrivalsMs } = simulate({ ...config, latencyMarginMs: 100, clients, seed: 7 });
        expect(busiestWindow(arrivalsMs, config.windowMs)).toBeLessThanOrEqual(config.allowancePerWindow);
      });

      it(`uses the configured share in every window after the first (${label})`, () => {
        const { sendsMs } = simulate({ ...config, latencyMarginMs: 100, clients, seed: 11 });
        const { refillPerMs } = bucketShape({ ...config, latencyMarginMs: 100 });
        const target = Math.min(config.share * config.allowancePerWindow, refillPerMs * config.windowMs);
        // The rate is lowered below the share only when the share leaves no room for a burst (share 1).
        expect(target).toBeGreaterThanOrEqual(0.97 * config.share * config.allowancePerWindow);
        const windows = Math.floor(config.durationMs / config.windowMs);
        for (let w = 1; w < windows; w++) {
          const fromMs = START_MS + w * config.windowMs;
          const count = sendsMs.filter((t) => t >= fromMs && t < fromMs + config.windowMs).length;
          expect(count, `window ${w}`).toBeGreaterThanOrEqual(Math.floor(target) - 1);
        }
      });
    }
  }

  it('sends nothing during a pause and still bounds every window once it ends', () => {
    const atMs = START_MS + 23_456;
    const resetAtSec = Math.floor(atMs / 1000) + 3;
    const { sendsMs, arrivalsMs } = simulate({
      allowancePerWindow: 200, windowMs: 10_000, share: 0.9, latencyMarginMs: 100, clients: 8, durationMs: 60_000, seed: 3,
      refusal: { atMs, resetAtSec },
    });
    expect(sendsMs.filter((t) => t > atMs && t < resetAtSec * 1000)).toEqual([]);
    expect(sendsMs.filter((t) => t >= resetAtSec * 1000).length).toBeGreaterThan(0);
    expect(busiestWindow(arrivalsMs, 10_000)).toBeLessThanOrEqual(200);
  });

  it('shows why: a bucket sized to the whole allowance overruns a window', () => {
    // The common design: capacity A, refill A per window, starting full. Greedy use puts A + A·(1 − 0)
    // into the first window; the bound above rules this out.
    const A = 200;
    const W = 10_000;
    let tokens = A;
    let lastMs = START_MS;
    const arrivals: number[] = [];
    for (let t = START_MS; t < START_MS + 3 * W; t += 5) {
      tokens = Math.min(A, tokens + ((t - lastMs) * A) / W);
      lastMs = t;
      while (tokens >= 1) {
        tokens -= 1;
        arrivals.push(t);
      }
    }
    expect(busiestWindow(arrivals, W)).toBeGreaterThan(A);
  });
});
