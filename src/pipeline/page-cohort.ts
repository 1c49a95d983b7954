import type { Cohort, IntercomApi, MemberPage } from '../intercom/types.js';
import { cohortKeyOf, type RunStore } from './run-store.js';

export interface PageCohortHooks {
  /**
   * Called with each page before it is recorded. The distributed run queues the page's contacts here,
   * so that a crash between this call and the record repeats the page rather than losing its contacts.
   */
  beforeSave?(page: MemberPage, pageCursor: string | null): Promise<void>;
  /** Called with the contacts the page registered for the first time in this run. */
  afterSave?(freshContactIds: string[]): void | Promise<void>;
}

/**
 * Pages one cohort's members from where the store says it stopped (the stored cursor) to the last page,
 * recording each page as it arrives. Returns the number of pages fetched by this call.
 */
export async function pageCohort(
  api: IntercomApi,
  store: RunStore,
  cohort: Pick<Cohort, 'type' | 'id'>,
  options: { perPage: number; signal?: AbortSignal; hooks?: PageCohortHooks },
): Promise<number> {
  const key = cohortKeyOf(cohort);
  const progress = await store.cohortProgress(key);
  if (progress.done) return 0;
  let from = progress.cursor;
  let fetched = 0;
  for await (const page of api.listMemberPages(cohort, {
    startingAfter: from,
    perPage: options.perPage,
    ...(options.signal ? { signal: options.signal } : {}),
  })) {
    fetched += 1;
    await options.hooks?.beforeSave?.(page, from);
    const fresh = await store.savePage(key, from, page);
    await options.hooks?.afterSave?.(fresh);
    from = page.nextCursor;
  }
  return fetched;
}
