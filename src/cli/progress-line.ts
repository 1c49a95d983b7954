/**
 * The progress line, pure: what `run` and `enqueue --wait` draw in place. It never exceeds the
 * terminal's width (a wrapped line cannot be rewritten in place and floods the screen): the least
 * useful parts are dropped first, then the rest is cut.
 */
import type { RunJobProgress } from '../../jobs/job-types.js';

export interface ProgressFigures extends RunJobProgress {
  /** The run job's state (`enqueue --wait`); absent for `run`. */
  state?: string;
}

/**
 * A count as people read it, with thousands separators whatever the machine's locale.
 *
 * @example
 * formatCount(4245) // '4,245'
 */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * A count and what it counts, singular for one.
 *
 * @example
 * countOf(1, 'cohort') // '1 cohort'
 * countOf(1734, 'API call') // '1,734 API calls'
 */
export function countOf(n: number, noun: string): string {
  return `${formatCount(n)} ${n === 1 ? noun : `${noun}s`}`;
}

/** Seconds as `45s`, `3m05s`, `2h04m`. */
export function formatDuration(totalSec: number): string {
  const s = Math.max(0, Math.round(totalSec));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * @example
 * formatProgressLine({ cohorts: 9, cohortsDone: 4, contacts: 310, contactsDone: 122, apiCalls: 180, responses429: 0 }, { width: 80, etaSec: 65 })
 * // 'cohorts 4/9 · contacts 122/310 · 180 calls · 0 × 429 · ETA 1m05s'
 */
export function formatProgressLine(p: ProgressFigures, options: { width: number; etaSec: number | null }): string {
  // In order of what to keep longest: the ETA and the contacts matter most on a narrow screen.
  const parts: Array<{ text: string; keep: number }> = [
    ...(p.state !== undefined ? [{ text: p.state, keep: 3 }] : []),
    { text: `cohorts ${formatCount(p.cohortsDone)}/${formatCount(p.cohorts)}`, keep: 2 },
    { text: `contacts ${formatCount(p.contactsDone)}/${formatCount(p.contacts)}`, keep: 5 },
    { text: countOf(p.apiCalls, 'call'), keep: 1 },
    { text: `${formatCount(p.responses429)} × 429`, keep: 0 },
    { text: `ETA ${options.etaSec === null ? '…' : formatDuration(options.etaSec)}`, keep: 4 },
  ];
  // One column short of the width: writing the last column makes some terminals wrap.
  const max = Math.max(1, options.width - 1);
  let shown = parts;
  let line = shown.map((x) => x.text).join(' · ');
  while ([...line].length > max && shown.length > 1) {
    const drop = shown.reduce((a, b) => (b.keep < a.keep ? b : a));
    shown = shown.filter((x) => x !== drop);
    line = shown.map((x) => x.text).join(' · ');
  }
  return fitWidth(line, max);
}

/** `line` cut to `max` characters, the cut marked with `…`. */
function fitWidth(line: string, max: number): string {
  const chars = [...line];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : line;
}

/**
 * The line shown while a run does what the progress figures do not count (writing the reports): what
 * it is doing and for how long, so that a long step never looks like a hang. Never wider than the
 * progress line.
 *
 * @example
 * formatPhaseLine('writing 2026-11', { width: 80, elapsedSec: 3 }) // 'writing 2026-11 … 3s'
 */
export function formatPhaseLine(phase: string, options: { width: number; elapsedSec: number }): string {
  const max = Math.max(1, options.width - 1);
  const elapsed = formatDuration(options.elapsedSec);
  const line = `${phase} … ${elapsed}`;
  if ([...line].length <= max) return line;
  // The seconds are what shows the run is alive: the phase's name is cut first (its cut marked by …).
  const room = max - elapsed.length - 1;
  return room >= 2 ? `${fitWidth(phase, room)} ${elapsed}` : fitWidth(line, max);
}

/**
 * The contacts-per-second rate over the last `windowMs`, from samples of the done count: the ETA
 * follows what the run actually achieves (429 pauses, slow pages, other integrations) rather than the
 * configured allowance.
 */
export function createRateMeter(windowMs = 10_000): { sample(nowMs: number, done: number): void; etaSec(remaining: number): number | null } {
  const samples: Array<{ t: number; done: number }> = [];
  return {
    sample(nowMs, done) {
      samples.push({ t: nowMs, done });
      while (samples.length > 2 && nowMs - samples[1]!.t >= windowMs) samples.shift();
    },
    etaSec(remaining) {
      if (remaining <= 0) return 0;
      const first = samples[0];
      const last = samples[samples.length - 1];
      if (!first || !last || last.t - first.t < 1000 || last.done <= first.done) return null;
      const perSec = (last.done - first.done) / ((last.t - first.t) / 1000);
      return remaining / perSec;
    },
  };
}
