/**
 * Job data is an interface: the schemas accept exactly what our own producers build (enqueue's run job,
 * the run job's and page job's children, the scheduler's template) and refuse anything else with one
 * line naming the job name and the field, quoting no value from the job.
 */
import { describe, expect, it } from 'vitest';
import { childJob } from '../../jobs/child-job.js';
import { MAX_CONTACTS_PER_JOB } from '../../jobs/job-schemas.js';
import { runJobId, type FetchContactsData, type ListConversationsData, type MonthRunData, type PageCohortData, type PlannedRun } from '../../jobs/job-types.js';
import { JobDataInvalidError, parseJob, parseJobData, readPlannedRun, readWrittenOutDir } from '../../jobs/parse-job-data.js';
import { planRun } from '../../src/pipeline/plan-run.js';

const nowSec = Date.parse('2026-03-15T00:00:00Z') / 1000;
const plan = planRun({ from: '2026-01', to: '2026-02', timeZone: 'Europe/Berlin', nowSec, allowPartial: false });
/** As enqueueRun builds it from the plan. */
const run: PlannedRun = { runId: plan.runId, from: '2026-01', to: '2026-02', timeZone: 'Europe/Berlin', allowPartial: false, plannedAtSec: nowSec, workspaceId: 'ws-alpha-01' };
const jobId = runJobId(plan.runId);
const parent = { id: jobId, queue: '{p}:runs' };
const monthRun: MonthRunData = { run, cohorts: { segments: true, tags: false, include: ['VIP*'], exclude: ['*test*'] }, round: 2, replace: true };
const page: PageCohortData = childJob(
  'page-cohort',
  { run, cohortType: 'segment', cohortId: '../../etc/segment', perPage: 150, runJobId: jobId, contactsPerJob: 50, round: 1, claimScope: '1773532800123.1' },
  { jobId: 'x', parent },
).data;
const fetch: FetchContactsData = childJob(
  'fetch-contacts',
  { run, runJobId: jobId, contactIds: Array.from({ length: MAX_CONTACTS_PER_JOB }, (_, i) => `6a1f${String(i).padStart(20, '0')}`), claimScope: '1773532800123.6' },
  { jobId: 'y', parent },
).data;
const conversations: ListConversationsData = childJob('list-conversations', { run, runJobId: jobId, month: '2026-02', claimScope: '1773532800123.2' }, { jobId: 'z', parent }).data;

/** The refusal's message, or a failure if the data was accepted. */
function refusal(name: string, data: unknown): string {
  try {
    parseJobData(name as 'month-run', data);
  } catch (err) {
    expect(err).toBeInstanceOf(JobDataInvalidError);
    expect((err as JobDataInvalidError).code).toBe('JOB_DATA_INVALID');
    return (err as Error).message;
  }
  throw new Error(`${name} data accepted: ${JSON.stringify(data)}`);
}

describe('what our producers build is accepted unchanged', () => {
  it.each([
    ['month-run', { run }],
    ['month-run', monthRun],
    ['month-run', { run: { ...run, workspaceId: undefined } }],
    ['page-cohort', page],
    ['fetch-contacts', fetch],
    ['list-conversations', conversations],
    ['scheduled-run', { timeZone: 'America/New_York' }],
  ] as const)('%s', (name, data) => {
    const clean = JSON.parse(JSON.stringify(data)) as unknown;
    expect(parseJobData(name, clean)).toEqual(clean);
  });

  it('a run job under the id enqueue gives it', () => {
    expect(parseJob({ name: 'month-run', id: jobId, data: monthRun })).toEqual(monthRun);
  });
});

describe('anything else is refused, naming the job name and the field', () => {
  it.each<[string, string, unknown, string]>([
    ['a month that is not YYYY-MM', 'month-run', { run: { ...run, from: '2026-1' } }, 'month-run job data: run.from: expected YYYY-MM'],
    ['a missing field', 'month-run', { cohorts: monthRun.cohorts }, 'month-run job data: run: missing (expected object)'],
    ['a missing nested field', 'page-cohort', { ...page, run: { ...run, allowPartial: undefined } }, 'page-cohort job data: run.allowPartial: missing (expected boolean)'],
    ['a wrong type', 'page-cohort', { ...page, perPage: '50' }, 'page-cohort job data: perPage: expected number, got string'],
    ['perPage above 150', 'page-cohort', { ...page, perPage: 151 }, 'page-cohort job data: perPage: expected at most 150'],
    ['perPage 0', 'page-cohort', { ...page, perPage: 0 }, 'page-cohort job data: perPage: expected at least 1'],
    ['a cohort type of neither kind', 'page-cohort', { ...page, cohortType: 'company' }, 'page-cohort job data: cohortType: expected "segment" or "tag"'],
    ['a round past the last', 'page-cohort', { ...page, round: 7 }, 'page-cohort job data: round: expected at most 6'],
    ['contactsPerJob above the maximum', 'page-cohort', { ...page, contactsPerJob: 1001 }, 'page-cohort job data: contactsPerJob: expected at most 1000'],
    ['another run job as parent', 'page-cohort', { ...page, runJobId: 'run.2025-01_2025-01_UTC' }, `page-cohort job data: runJobId: expected ${jobId}, the job of run.runId`],
    ['a claim scope with a separator of keys', 'fetch-contacts', { ...fetch, claimScope: 'a:b' }, 'fetch-contacts job data: claimScope: expected letters, digits, ".", "_" or "-"'],
    ['an over-long contactIds list', 'fetch-contacts', { ...fetch, contactIds: [...fetch.contactIds, 'one-more'] }, 'fetch-contacts job data: contactIds: expected at most 1000 contact ids'],
    ['an empty contactIds list', 'fetch-contacts', { ...fetch, contactIds: [] }, 'fetch-contacts job data: contactIds: expected at least one contact id'],
    ['an over-long contact id', 'fetch-contacts', { ...fetch, contactIds: ['c1', 'x'.repeat(1025)] }, 'fetch-contacts job data: contactIds[1]: expected an id of at most 1024 characters'],
    ['a runId that is not the months\'', 'month-run', { run: { ...run, runId: 'anything' } }, `month-run job data: run.runId: expected ${plan.runId}, the id of its months and zone`],
    ['a range given backwards', 'month-run', { run: { ...run, from: '2026-02', to: '2026-01' } }, 'month-run job data: run.to: expected a month not before run.from'],
    ['a zone that is not IANA', 'scheduled-run', { timeZone: 'Mars/Olympus_Mons' }, 'scheduled-run job data: timeZone: expected an IANA time zone'],
    ['a fractional plan time', 'month-run', { run: { ...run, plannedAtSec: nowSec + 0.5 } }, 'month-run job data: run.plannedAtSec: expected int, got number'],
    ['a pattern of many wildcards', 'month-run', { ...monthRun, cohorts: { ...monthRun.cohorts, include: ['*a'.repeat(11)] } }, 'month-run job data: cohorts.include[0]: expected at most 10 "*" in a pattern'],
    ['not an object', 'fetch-contacts', ['c1'], 'fetch-contacts job data: expected object, got array'],
    ['a month outside the run', 'list-conversations', { ...conversations, month: '2026-03' }, 'list-conversations job data: month: expected a month of the run, from 2026-01 to 2026-02'],
    ['a month that is not one', 'list-conversations', { ...conversations, month: '2026-13' }, 'list-conversations job data: month: expected YYYY-MM'],
    ['another run job as its run', 'list-conversations', { ...conversations, runJobId: 'run.2025-01_2025-01_UTC' }, `list-conversations job data: runJobId: expected ${jobId}, the job of run.runId`],
  ])('%s', (_, name, data, message) => {
    expect(refusal(name, data)).toBe(message);
  });

  it('a run its plan time says has not ended is refused with the plan\'s reason', () => {
    expect(refusal('month-run', { run: { ...run, plannedAtSec: Date.parse('2026-02-20T00:00:00Z') / 1000 } })).toMatch(
      /^month-run job data: run: a run that cannot be planned: month 2026-02 has not ended yet in Europe\/Berlin/,
    );
  });

  it('outDir, which older versions obeyed, is refused in a run job and a scheduled one', () => {
    const said = 'outDir: not accepted (a worker writes only to its own report.outDir)';
    expect(refusal('month-run', { ...monthRun, outDir: '/tmp/victim' })).toBe(`month-run job data: ${said}`);
    expect(refusal('scheduled-run', { timeZone: 'UTC', outDir: '/tmp/victim' })).toBe(`scheduled-run job data: ${said}`);
  });

  it('an unknown field is named made printable and shortened; no value of the job is quoted', () => {
    const hostileKey = `\x1b]0;owned\x07${'k'.repeat(100)}`;
    const message = refusal('fetch-contacts', { ...fetch, [hostileKey]: '\x1b]52;c;ZWNobyBwd25lZA==\x07', contactIds: ['\x1b[2K FAKE'] });
    expect(message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(message).not.toContain('FAKE');
    expect(message).not.toContain('ZWNobyBwd25lZA');
    expect(message).toMatch(/^fetch-contacts job data: .*\]0;owned.*k{20,}…: unknown field$/);
    expect(message.length).toBeLessThan(200);
  });

  it('only the first three problems are listed; the rest are counted', () => {
    expect(refusal('page-cohort', { run, cohortType: 1, cohortId: 2, perPage: 3, runJobId: 4, contactsPerJob: 5.5, round: 0, claimScope: '' })).toBe(
      'page-cohort job data: cohortType: expected "segment" or "tag"; cohortId: expected string, got number; runJobId: expected string, got number; and 3 more',
    );
  });

  it('a job name no processor has, and a run job under another id than its months\'', () => {
    expect(() => parseJob({ name: 'probe\x1b[2J', id: '1', data: {} })).toThrow(/^no job is named "probe\\.*\[2J": this worker runs month-run, page-cohort, fetch-contacts, list-conversations, scheduled-run$/);
    expect(() => parseJob({ name: 'month-run', id: '42', data: monthRun })).toThrow(
      `month-run job: id: expected ${jobId}, the id of run.runId (queue runs with cohort-reports enqueue)`,
    );
  });
});

describe('readers that only show jobs', () => {
  it('status reads the run of an old job that carried outDir, and nothing of one added by hand', () => {
    expect(readPlannedRun({ run, outDir: '/tmp/victim' })).toEqual(run);
    expect(readPlannedRun({ outDir: '/tmp/victim', month: '2026-01' })).toBeNull();
    expect(readPlannedRun(null)).toBeNull();
    expect(readWrittenOutDir({ outDir: '/srv/reports', dirs: ['/srv/reports/2026-01'] })).toBe('/srv/reports');
    expect(readWrittenOutDir({ dirs: ['/srv/reports/2026-01'] })).toBeNull();
    expect(readWrittenOutDir('x')).toBeNull();
  });
});
