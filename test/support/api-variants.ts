/**
 * The API behaviours of issue 10 that the sandbox can switch on, and what a run must do under each,
 * restated from the definitions (not from src/): the client asks GET /events for 150 per page, and on
 * a 400 naming per_page asks for 100, then 50; a server that clamps serves min(asked, max).
 */
import { expect } from 'vitest';
import type { SandboxCounters, SandboxResponseTransform, SandboxVariant, SandboxWorkspace } from '../../src/sandbox/index.js';
import { eventPagesNeeded, listedContactIds, monthStartSec } from './e2e-reference.js';
import { monthBefore } from './report-reference.js';

export interface PageSizeRegime {
  name: string;
  variant: SandboxVariant;
}

export const PAGE_SIZE_REGIMES: readonly PageSizeRegime[] = [
  { name: 'default 20, max 100, clamped above', variant: { eventsPerPageDefault: 20, eventsPerPageMax: 100, eventsOverMax: 'clamp' } },
  { name: 'default 50, max 150', variant: { eventsPerPageDefault: 50, eventsPerPageMax: 150 } },
  { name: 'max 50, 400 above', variant: { eventsPerPageDefault: 50, eventsPerPageMax: 50, eventsOverMax: '400' } },
];

const ASKED = [150, 100, 50];

/** The page size the sandbox serves the run, the per_page the run ends up sending, and the refused asks it costs. */
export function regimeOutcome(variant: SandboxVariant): { servedPerPage: number; sentPerPage: number; refusedCalls: number } {
  const max = variant.eventsPerPageMax ?? 150;
  if (variant.eventsOverMax !== '400') return { servedPerPage: Math.min(ASKED[0]!, max), sentPerPage: ASKED[0]!, refusedCalls: 0 };
  const accepted = ASKED.findIndex((size) => size <= max);
  return { servedPerPage: ASKED[accepted]!, sentPerPage: ASKED[accepted]!, refusedCalls: accepted };
}

/**
 * The fewest GET /events calls of a run under the regime: every listed contact's pages at the served
 * size (e2e-reference's eventPagesNeeded), plus the refused asks, each paid once per process (`total`
 * for one process).
 */
export function minimumEventsCalls(
  ws: SandboxWorkspace,
  variant: SandboxVariant,
  options: { clockMs: number; fromSec: number },
): { total: number; byContact: Map<string, number> } {
  const { servedPerPage, refusedCalls } = regimeOutcome(variant);
  const byContact = new Map([...listedContactIds(ws)].map((id) => [id, eventPagesNeeded(ws, id, { ...options, perPage: servedPerPage })]));
  return { total: [...byContact.values()].reduce((a, b) => a + b, 0) + refusedCalls, byContact };
}

/**
 * Asserts that a run of `month` (UTC) under the regime made exactly the minimum events calls: each
 * listed contact's pages, and in all those plus the refused asks once for each of 1 to `processes`
 * processes (each learns the size for its part of the run).
 */
export function expectMinimumEventsCalls(
  counters: SandboxCounters,
  ws: SandboxWorkspace,
  variant: SandboxVariant,
  options: { clockMs: number; month: string; processes: number },
): void {
  const minimum = minimumEventsCalls(ws, variant, { clockMs: options.clockMs, fromSec: monthStartSec(monthBefore(options.month), 'UTC') });
  expect(Object.fromEntries(counters.eventsCallsByContact)).toEqual(Object.fromEntries(minimum.byContact));
  const { refusedCalls } = regimeOutcome(variant);
  const pages = minimum.total - refusedCalls;
  const allowed = Array.from({ length: options.processes }, (_, i) => pages + refusedCalls * (i + 1));
  expect(allowed).toContain(counters.byEndpoint.events);
}

/**
 * What a proxy that drops links would pass on for a paged segment list: more pages announced
 * (`total_pages`), with neither a next URL nor a page number to reach them.
 */
export const announceSegmentPagesWithoutLinks: SandboxResponseTransform = (endpoint, body) => {
  if (endpoint !== 'segments') return body;
  const { pages, ...rest } = body as { pages: { total_pages: number } };
  return { ...rest, pages: { type: 'pages', total_pages: pages.total_pages } };
};
