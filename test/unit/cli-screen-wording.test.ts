/**
 * What `run` says in words: counts with thousands separators and a singular for one (the final lines,
 * the status line's progress), and the line naming a journal another run left in DIR/.work/ — its
 * months and zone read back from the file name, the options that resume it, or that deleting it is safe.
 */
import { describe, expect, it } from 'vitest';
import { formatProgress } from '../../src/cli/format-progress.js';
import { describeJournal, finalLines } from '../../src/cli/run-command.js';
import type { RunResults } from '../../src/pipeline/write-run-results.js';

function results(totals: { cohorts: number; unique_contacts: number; api_calls: number; responses_429: number }): RunResults {
  return {
    format: 'cohort-reports.run-results.v1',
    run_id: '2026-11_2026-11_UTC',
    status: 'success',
    time_zone: 'UTC',
    started_at: null,
    finished_at: '2026-12-01T00:00:00.000Z',
    duration_ms: null,
    out_dir: '/r',
    months: [
      {
        month: '2026-11',
        dir: '/r/2026-11',
        files: ['cohort_summary.csv'],
        totals: { members: 0, events_fetched: 0, retries: 0, ...totals },
        warnings: [],
        replaced: null,
      },
    ],
    files: ['trends.csv'],
    requests: { api_calls: totals.api_calls, responses_429: totals.responses_429, retries: 0 },
    workspace: { id: 'w', name: 'W' },
    replace: false,
    phases_ms: {},
  } as RunResults;
}

describe('finalLines', () => {
  it('says "1 cohort, 1 contact, 1 API call" for one of each', () => {
    expect(finalLines(results({ cohorts: 1, unique_contacts: 1, api_calls: 1, responses_429: 0 }))[0]).toBe('wrote 2026-11: 1 cohort, 1 contact, 1 API call, 0 × 429');
  });

  it('writes large counts with thousands separators', () => {
    expect(finalLines(results({ cohorts: 14, unique_contacts: 4245, api_calls: 1_234_567, responses_429: 1200 }))[0]).toBe(
      'wrote 2026-11: 14 cohorts, 4,245 contacts, 1,234,567 API calls, 1,200 × 429',
    );
  });

  it('names what the run leaves in .work/ after the listing, before what to do next', () => {
    const lines = finalLines(results({ cohorts: 2, unique_contacts: 2, api_calls: 2, responses_429: 0 }), 80, ['2026-09 UTC, unfinished; …']);
    expect(lines.slice(-3)).toEqual(['left in .work/: 2026-09 UTC, unfinished; …', expect.stringMatching(/^next: /), 'open file:///r/index.html']);
    expect(finalLines(results({ cohorts: 2, unique_contacts: 2, api_calls: 2, responses_429: 0 })).some((l) => l.startsWith('left in'))).toBe(false);
  });

  it('for an object store: the state folder by its path, s3:// paths kept whole, and how to open the pages', () => {
    const r = results({ cohorts: 2, unique_contacts: 2, api_calls: 2, responses_429: 0 });
    const inStore = { ...r, out_dir: 's3://acme/cohorts', months: r.months.map((m) => ({ ...m, dir: 's3://acme/cohorts/2026-11' })) };
    const lines = finalLines(inStore, 200, ['2026-09 UTC, unfinished; …'], '.cohort-reports-state/acme/cohorts');
    expect(lines.slice(-3)).toEqual([
      'left in .cohort-reports-state/acme/cohorts/: 2026-09 UTC, unfinished; …',
      'next: load s3://acme/cohorts/2026-11/cohort_summary.csv in DuckDB or pandas (README: "Read it in DuckDB and pandas")',
      'pages: s3://acme/cohorts/index.html (copy the prefix down, e.g. aws s3 sync, to open it)',
    ]);
  });
});

describe('describeJournal', () => {
  const key = '0123456789ab';

  it('a journal of this run\'s settings: its month and zone, the options that resume it, and that deleting it is safe', () => {
    expect(describeJournal(`out/.work/2026-09_2026-09_UTC.${key}.journal.jsonl`, key)).toBe(
      `2026-09 UTC, unfinished; resume it with --month 2026-09 --timezone UTC (other options as now) or delete out/.work/2026-09_2026-09_UTC.${key}.journal.jsonl (only its progress is lost)`,
    );
  });

  it('a backfill in a zone with a slash: --from and --to, and the zone spelt as IANA does', () => {
    expect(describeJournal(`.work/2026-01_2026-06_America-Argentina-Buenos-Aires.${key}.journal.jsonl`, key)).toMatch(
      /^2026-01 to 2026-06 America\/Argentina\/Buenos_Aires, unfinished; resume it with --from 2026-01 --to 2026-06 --timezone America\/Argentina\/Buenos_Aires \(other options as now\) or delete /,
    );
  });

  it('a zone the file name cannot tell apart (Etc/GMT+5 and Etc/GMT-5 are both Etc-GMT-5): no --timezone that could be wrong', () => {
    expect(describeJournal(`.work/2026-09_2026-09_Etc-GMT-5.${key}.journal.jsonl`, key)).toMatch(/^2026-09 Etc-GMT-5, unfinished; resume it with --month 2026-09 and its time zone \(other options as now\) or delete /);
  });

  it('a journal of other settings (another key): no promise that these options resume it', () => {
    const line = describeJournal('.work/2026-09_2026-09_Europe-Berlin.ba9876543210.journal.jsonl', key);
    expect(line).toBe(
      '2026-09 Europe/Berlin, unfinished, started with another workspace, cohort selection, page size or version; resume it with those or delete .work/2026-09_2026-09_Europe-Berlin.ba9876543210.journal.jsonl (only its progress is lost)',
    );
  });

  it('a file that is no journal of this version, shown printable', () => {
    expect(describeJournal('.work/old\x1b[2K.journal.jsonl', key)).toBe('not a journal this version can resume; delete .work/old\\x1b[2K.journal.jsonl (only its progress is lost)');
  });
});

describe('formatProgress (the status line)', () => {
  it('has separators and a singular for one API call', () => {
    expect(formatProgress('active', { cohorts: 9, cohortsDone: 4, contacts: 3100, contactsDone: 1220, apiCalls: 1, responses429: 0 })).toBe(
      'active · cohorts 4/9 paged · contacts 1,220/3,100 fetched · 1 API call · 0 × 429',
    );
  });
});
