/**
 * The `month` benchmark's naive contender, run as its own process: what the Intercom tutorials do.
 *
 *   GET /segments, GET /tags; then for each cohort, one after another: list all its members
 *   (POST /contacts/search, per_page 150, following the starting_after cursor), then for each member
 *   GET /events?type=user&intercom_user_id=… and follow every pages.next to the end (server default
 *   page size, no early stop at the month); then, when BENCH_CONVERSATIONS_FROM_SEC and _TO_SEC are
 *   set, the month's conversations (POST /conversations/search on created_at > from − 1 AND < to, the
 *   server's default page size, following the cursor): the same work as the project's run. One
 *   request at a time, no de-duplication across cohorts, no rate limiter.
 *   On a 429: sleep until X-RateLimit-Reset (Unix s), no jitter, then send the same request again,
 *   with no cap on the number of retries. Any other non-2xx status ends the run with an error.
 *
 * It only counts what it fetches (it computes no report). At BENCH_DEADLINE_MS (ms since the epoch)
 * it stops and reports `finished: false`. Prints one line `NAIVE_MARKER {json}` on stdout.
 * Env: BENCH_BASE_URL, BENCH_TOKEN, BENCH_DEADLINE_MS; BENCH_CONVERSATIONS_FROM_SEC and
 * BENCH_CONVERSATIONS_TO_SEC (W(M), half-open; optional).
 */
import { fetch } from 'undici';

export const NAIVE_MARKER = '__bench_month_naive__ ';

export interface NaiveResult {
  finished: boolean;
  /** Every HTTP request sent, 429s included. */
  calls: number;
  responses429: number;
  searchPages: number;
  eventsPages: number;
  eventsFetched: number;
  conversationPages: number;
  /** Members visited, a contact once per cohort it is in. */
  memberships: number;
  /** Milliseconds spent asleep waiting for X-RateLimit-Reset. */
  sleptMs: number;
  error: string | null;
}

const REQUEST_TIMEOUT_MS = 30_000;

class DeadlineReached extends Error {
  readonly code = 'BENCH_DEADLINE_REACHED';
}

interface Page<T> {
  data?: T[];
  segments?: T[];
  events?: T[];
  conversations?: T[];
  pages?: { next?: string | { starting_after?: string } | null } | null;
}

async function runNaive(
  baseUrl: string,
  token: string,
  deadlineMs: number,
  conversationsWindow: { fromSec: number; toSec: number } | null,
  result: NaiveResult,
): Promise<void> {
  const headers = { authorization: `Bearer ${token}`, accept: 'application/json', 'intercom-version': '2.14' };

  const sleepUntil = (atMs: number): Promise<void> => {
    const waitMs = Math.max(0, Math.min(atMs, deadlineMs) - Date.now());
    result.sleptMs += waitMs;
    return new Promise((resolve) => setTimeout(resolve, waitMs));
  };

  const call = async <T>(url: string, body?: unknown): Promise<Page<T>> => {
    for (;;) {
      if (Date.now() >= deadlineMs) throw new DeadlineReached('deadline reached');
      const res = await fetch(url, {
        method: body === undefined ? 'GET' : 'POST',
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      result.calls += 1;
      if (res.status === 429) {
        result.responses429 += 1;
        await res.arrayBuffer();
        const resetSec = Number(res.headers.get('x-ratelimit-reset'));
        await sleepUntil(Number.isFinite(resetSec) ? resetSec * 1000 : Date.now() + 1000);
        continue;
      }
      if (!res.ok) {
        await res.arrayBuffer();
        throw new Error(`HTTP ${res.status} from ${new URL(url).pathname}`);
      }
      return (await res.json()) as Page<T>;
    }
  };

  const segments = await call<{ id: string }>(`${baseUrl}/segments`);
  const tags = await call<{ id: string }>(`${baseUrl}/tags`);
  const cohorts = [
    ...(segments.segments ?? []).map((s) => ({ field: 'segment_id', id: s.id })),
    ...(tags.data ?? []).map((t) => ({ field: 'tag_id', id: t.id })),
  ];
  for (const cohort of cohorts) {
    const members: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await call<{ id: string }>(`${baseUrl}/contacts/search`, {
        query: { field: cohort.field, operator: '=', value: cohort.id },
        pagination: cursor === undefined ? { per_page: 150 } : { per_page: 150, starting_after: cursor },
      });
      result.searchPages += 1;
      for (const contact of page.data ?? []) members.push(contact.id);
      const next = page.pages?.next;
      cursor = typeof next === 'object' && next !== null ? next.starting_after : undefined;
    } while (cursor);

    for (const id of members) {
      result.memberships += 1;
      let url: string | undefined = `${baseUrl}/events?type=user&intercom_user_id=${encodeURIComponent(id)}`;
      while (url) {
        const page: Page<unknown> = await call<unknown>(url);
        result.eventsPages += 1;
        result.eventsFetched += page.events?.length ?? 0;
        const next = page.pages?.next;
        url = typeof next === 'string' && next !== '' ? next : undefined;
      }
    }
  }

  if (conversationsWindow === null) return;
  const query = {
    operator: 'AND',
    value: [
      { field: 'created_at', operator: '>', value: conversationsWindow.fromSec - 1 },
      { field: 'created_at', operator: '<', value: conversationsWindow.toSec },
    ],
  };
  let cursor: string | undefined;
  do {
    const page = await call<unknown>(`${baseUrl}/conversations/search`, { query, ...(cursor === undefined ? {} : { pagination: { starting_after: cursor } }) });
    result.conversationPages += 1;
    const next = page.pages?.next;
    cursor = typeof next === 'object' && next !== null ? next.starting_after : undefined;
  } while (cursor);
}

async function main(): Promise<void> {
  const baseUrl = process.env.BENCH_BASE_URL ?? '';
  const token = process.env.BENCH_TOKEN ?? '';
  const deadlineMs = Number(process.env.BENCH_DEADLINE_MS);
  const result: NaiveResult = {
    finished: false,
    calls: 0,
    responses429: 0,
    searchPages: 0,
    eventsPages: 0,
    eventsFetched: 0,
    conversationPages: 0,
    memberships: 0,
    sleptMs: 0,
    error: null,
  };
  try {
    if (baseUrl === '' || token === '' || !Number.isFinite(deadlineMs)) throw new Error('BENCH_BASE_URL, BENCH_TOKEN and BENCH_DEADLINE_MS are required');
    const fromSec = Number(process.env.BENCH_CONVERSATIONS_FROM_SEC);
    const toSec = Number(process.env.BENCH_CONVERSATIONS_TO_SEC);
    const window = process.env.BENCH_CONVERSATIONS_FROM_SEC && Number.isSafeInteger(fromSec) && Number.isSafeInteger(toSec) ? { fromSec, toSec } : null;
    await runNaive(baseUrl, token, deadlineMs, window, result);
    result.finished = true;
  } catch (err) {
    if (!(err instanceof DeadlineReached)) result.error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  }
  process.stdout.write(`${NAIVE_MARKER}${JSON.stringify(result)}\n`);
}

// Only as a process of its own: the benchmark imports this module for NAIVE_MARKER and the result type.
if (process.env.BENCH_MONTH_NAIVE === '1') await main();
