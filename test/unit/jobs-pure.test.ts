import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { AuthenticationError, RateLimitedError, ServerError } from '../../src/intercom/errors.js';
import { RunPlanError } from '../../src/pipeline/errors.js';
import { eventsJobId, pageJobId, runJobId, sweepJobId } from '../../jobs/job-types.js';
import { lastCompleteMonth } from '../../src/report/last-complete-month.js';
import { classifyJobError } from '../../jobs/map-job-error.js';
import { childJob } from '../../jobs/child-job.js';

describe('lastCompleteMonth', () => {
  it('is the month before the current one in the given zone', () => {
    expect(lastCompleteMonth(Date.parse('2026-11-01T03:00:00Z'), 'Europe/Berlin')).toBe('2026-10');
  });
  it('goes two months back where the 1st has not begun yet', () => {
    expect(lastCompleteMonth(Date.parse('2026-11-01T03:00:00Z'), 'America/Los_Angeles')).toBe('2026-09');
  });
  it('crosses the year', () => {
    expect(lastCompleteMonth(Date.parse('2027-01-15T12:00:00Z'), 'UTC')).toBe('2026-12');
  });
});

describe('job ids', () => {
  it('never contain ":" and never are all digits, whatever the cohort id', () => {
    const ids = [
      runJobId('2026-10_2026-10_UTC'),
      pageJobId('2026-10_2026-10_UTC', 'segment', '123', 1),
      eventsJobId('2026-10_2026-10_UTC', 'tag', 'a:b/c', 3, 0, 1),
      sweepJobId('2026-10_2026-10_UTC', 2, 5),
    ];
    for (const id of ids) {
      expect(id).not.toContain(':');
      expect(id).not.toMatch(/^\d+$/);
    }
  });
  it('keep distinct cohort ids distinct after escaping', () => {
    expect(pageJobId('r', 'tag', 'a.b', 1)).not.toBe(pageJobId('r', 'tag', 'a%2eb', 1));
  });
});

describe('classifyJobError', () => {
  it('makes authentication failures and bad plans permanent, keeping the code', () => {
    expect(classifyJobError(new AuthenticationError('refused', { endpoint: 'segments', status: 401 }))).toEqual({
      kind: 'permanent',
      message: 'INTERCOM_AUTHENTICATION: refused',
    });
    expect(classifyJobError(new RunPlanError('bad month')).kind).toBe('permanent');
  });
  it('turns a 429 the client gave up on into a queue pause of the server-named length', () => {
    expect(classifyJobError(new RateLimitedError('429', { endpoint: 'events', retryAfterMs: 7_000 }))).toEqual({ kind: 'rate-limited', pauseMs: 7_000 });
  });
  it('leaves 5xx and unknown errors transient, and BullMQ control errors alone', () => {
    expect(classifyJobError(new ServerError('502', { endpoint: 'events', status: 502 })).kind).toBe('transient');
    expect(classifyJobError(new Error('boom')).kind).toBe('transient');
    expect(classifyJobError(new UnrecoverableError('x')).kind).toBe('bullmq');
  });
});

describe('childJob', () => {
  const run = { runId: 'r', from: '2026-10', to: '2026-10', timeZone: 'UTC', allowPartial: false, plannedAtSec: 0 };
  const parent = { id: 'run.r', queue: '{p}:runs' };

  it('fails the run as soon as a child fails for good, and keeps the failed child for inspection', () => {
    const child = childJob('fetch-contacts', { run, runJobId: 'run.r', contactIds: ['c1'], claimScope: '1.1' }, { jobId: sweepJobId('r', 1, 0), parent });
    expect(child).toEqual({
      name: 'fetch-contacts',
      data: { run, runJobId: 'run.r', contactIds: ['c1'], claimScope: '1.1' },
      opts: { jobId: 'run.r.sweep.1.0', parent, failParentOnFailure: true, attempts: 6, backoff: { type: 'exponential', delay: 2_000 }, removeOnComplete: true, removeOnFail: false },
    });
  });

  it("ties a child's name to its payload", () => {
    // @ts-expect-error a fetch-contacts payload under the page-cohort name does not compile
    const wrong = childJob('page-cohort', { run, runJobId: 'run.r', contactIds: [], claimScope: '1.1' }, { jobId: 'x', parent });
    expect(wrong.name).toBe('page-cohort');
  });
});
