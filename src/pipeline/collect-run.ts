/**
 * The single-process run's collection stages, in order: (check the token may read conversations) →
 * discover cohorts → page every cohort's members → fetch each contact's events once, and list each
 * month's conversations once every cohort is paged (who is a member is known only then). Pages, event
 * fetches and conversation pages overlap: a contact's events are fetched as soon as the first page that
 * lists it is recorded, so the rate limit, not the page-by-page latency of one large cohort, sets the
 * pace. Whatever the store already holds (a resumed run) is not fetched again.
 */
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { Cohort, IntercomApi } from '../intercom/types.js';
import { discoverCohorts, requireCohorts, type CohortFilter } from './discover-cohorts.js';
import { findWindow } from '../report/create-report-windows.js';
import { fetchContact } from './fetch-contact.js';
import { listMonthConversations } from './list-month-conversations.js';
import { pageCohort } from './page-cohort.js';
import type { RunPlan } from './plan-run.js';
import type { RunStore } from './run-store.js';

export interface CollectRunOptions {
  api: IntercomApi;
  store: RunStore;
  plan: RunPlan;
  filter: CohortFilter;
  perPage: number;
  /** Event fetches in flight at once (cohort pagers add at most half as many again). */
  concurrency: number;
  log: Logger;
  signal?: AbortSignal;
  /** Called after every recorded page and every fetched contact. */
  onStep?: () => void;
  /**
   * Called with the run's cohorts (discovered or resumed) before any member is paged: where the
   * caller refuses a run its output cannot take, before the allowance is spent on it.
   */
  checkCohorts?: (cohorts: readonly Cohort[]) => Promise<void>;
  /** report.conversations: list each month's conversations (default false). */
  conversations?: boolean;
}

export async function collectRun(options: CollectRunOptions): Promise<void> {
  const { api, store, plan, log } = options;
  const controller = new AbortController();
  const onOuterAbort = (): void => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const signal = controller.signal;
  // Every in-flight request listens to this one signal (rate-limit waits, backoff sleeps).
  setMaxListeners(Math.max(10, options.concurrency * 4), signal);
  let failure: { err: unknown } | null = null;
  const fail = (err: unknown): void => {
    if (failure === null) failure = { err };
    controller.abort(err);
  };

  try {
    const conversationMonths: string[] = [];
    if (options.conversations === true) {
      for (const { month } of plan.months) if (!(await store.conversationProgress(month)).done) conversationMonths.push(month);
      // A token without the permission fails the run here, before any member or event call, and before
      // anything is journaled on a first attempt.
      if (conversationMonths.length > 0) await api.checkConversationsAccess(signal);
    }
    let cohorts = await store.loadCohorts();
    if (cohorts === null) {
      cohorts = await discoverCohorts(api, options.filter, signal);
      // Checked before anything is recorded, so a refused run leaves no journal behind.
      requireCohorts(cohorts, options.filter);
      await options.checkCohorts?.(cohorts);
      await store.saveCohorts(cohorts);
      log.info({ cohorts: cohorts.length }, 'cohorts discovered');
    } else {
      log.info({ cohorts: cohorts.length }, 'cohorts resumed from the store');
      requireCohorts(cohorts, options.filter);
      await options.checkCohorts?.(cohorts);
    }

    // Contacts waiting for their events: resumed ones first, then those each new page registers.
    const queue: string[] = [];
    let head = 0;
    const sleepers: Array<() => void> = [];
    const wakeAll = (): void => {
      for (const wake of sleepers.splice(0)) wake();
    };
    signal.addEventListener('abort', wakeAll, { once: true });
    for await (const batch of store.pendingContacts()) queue.push(...batch);
    if (queue.length > 0) {
      // Said as a sentence, figures in it: this is the line a person reads when a run picks up again.
      const resumed = await store.progress();
      const more = resumed.cohortsDone < resumed.cohorts ? ' listed so far' : '';
      const n = (count: number): string => count.toLocaleString('en-US');
      log.info(`Resuming: ${n(resumed.contactsDone)} of ${n(resumed.contacts)} contacts${more} already done`);
    }

    let pagingDone = false;
    const pagerLimit = Math.max(1, Math.ceil(options.concurrency / 2));
    let nextCohort = 0;
    const pager = async (): Promise<void> => {
      while (!signal.aborted) {
        const cohort = cohorts[nextCohort++];
        if (cohort === undefined) return;
        const pages = await pageCohort(api, store, cohort, {
          perPage: options.perPage,
          signal,
          hooks: {
            afterSave(fresh) {
              if (fresh.length > 0) {
                queue.push(...fresh);
                wakeAll();
              }
              options.onStep?.();
            },
          },
        });
        log.debug({ cohortType: cohort.type, cohortId: cohort.id, pages }, 'cohort paged');
      }
    };
    const fetcher = async (): Promise<void> => {
      while (!signal.aborted) {
        const contactId = queue[head];
        if (contactId === undefined) {
          if (pagingDone) return;
          await new Promise<void>((resolve) => sleepers.push(resolve));
          continue;
        }
        head += 1;
        if (head > 10_000 && head * 2 > queue.length) {
          queue.splice(0, head);
          head = 0;
        }
        await fetchContact(api, store, contactId, plan, signal);
        options.onStep?.();
      }
    };

    let nextMonth = 0;
    const conversationLister = async (): Promise<void> => {
      while (!signal.aborted) {
        const month = conversationMonths[nextMonth++];
        if (month === undefined) return;
        const w = findWindow(plan.windows, month);
        const pages = await listMonthConversations(api, store, month, { startSec: w.startSec, endSec: w.endSec }, { signal, afterSave: () => options.onStep?.() });
        log.debug({ month, pages }, 'conversations listed');
      }
    };

    const guard = (p: Promise<void>): Promise<void> => p.catch(fail);
    const pagers = Array.from({ length: Math.min(pagerLimit, cohorts.length) }, () => guard(pager()));
    const fetchers = Array.from({ length: options.concurrency }, () => guard(fetcher()));
    await Promise.all(pagers);
    pagingDone = true;
    wakeAll();
    // In the pagers' place: as many listers as there were pagers, beside the fetchers still at work.
    const listers = signal.aborted ? [] : Array.from({ length: Math.min(pagerLimit, conversationMonths.length) }, () => guard(conversationLister()));
    await Promise.all([...fetchers, ...listers]);
    if (failure !== null) throw (failure as { err: unknown }).err;
    if (signal.aborted) throw signal.reason ?? new Error('run aborted');
  } finally {
    options.signal?.removeEventListener('abort', onOuterAbort);
  }
}
