import { NotFoundError } from '../intercom/errors.js';
import type { IntercomApi } from '../intercom/types.js';
import { createContactAccumulator, finishContact, foldEvent } from '../report/contact-accumulator.js';
import type { RunPlan } from './plan-run.js';
import type { ContactResult, RunStore } from './run-store.js';

export interface FetchContactOutcome {
  result: ContactResult;
  /** Events the API returned for the contact (before de-duplication and window filtering). */
  eventsFetched: number;
}

/**
 * Pulls one contact's events back to the start of the earliest window the run needs, folds them into
 * the contact's figures and records the result. A contact deleted or merged since it was listed (the
 * events call answers 404) is recorded as missing: a member with no events, counted in the manifest.
 */
export async function fetchContact(
  api: IntercomApi,
  store: RunStore,
  contactId: string,
  plan: RunPlan,
  signal?: AbortSignal,
): Promise<FetchContactOutcome> {
  const acc = createContactAccumulator();
  let eventsFetched = 0;
  let result: ContactResult;
  try {
    for await (const page of api.listEventPages(contactId, {
      notBeforeSec: plan.fetchFromSec,
      ...(signal ? { signal } : {}),
    })) {
      eventsFetched += page.length;
      for (const event of page) foldEvent(acc, event, plan.windows);
    }
    result = { kind: 'ok', stats: finishContact(acc), eventsFetched };
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    result = { kind: 'missing' };
  }
  await store.saveContactResult(contactId, result);
  return { result, eventsFetched };
}
