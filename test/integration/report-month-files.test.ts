import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AMOUNTS_FILE, EVENTS_FILE, MANIFEST_FILE, RETENTION_FILE, RETENTION_HISTORY_FILE, ReportIntegrityError, SUMMARY_FILE, TRENDS_FILE, manifestWithoutTiming, monthWindow, type MonthManifest } from '../../src/report/index.js';
import { writeMonthReport } from '../../src/report-files/write-month-report.js';
import { openDiskOutput } from '../../src/report-output/disk-output.js';
import { edgeRawData } from '../support/report-edge-data.js';
import { listFiles } from '../support/e2e-cli.js';
import { MONTH_PAGE_FILES, monthFolderFiles } from '../support/report-pages.js';
import { referenceCsvText, referenceMonth, referenceRetentionHistory, referenceTrends, type RawData } from '../support/report-reference.js';
import { sandboxRawData } from '../support/report-sandbox-data.js';
import { writeMonthsFromRaw, writeTrendsIn, writeRetentionIn } from '../support/report-write.js';

const NOW_SEC = Date.UTC(2026, 11, 10) / 1000;
const MONTHS = ['2026-10', '2026-11'];
let sandbox: RawData | undefined;
function sandboxData(): RawData {
  sandbox ??= sandboxRawData({ contacts: 400, seed: 7, nowSec: NOW_SEC });
  return sandbox;
}

let outDir: string;
beforeEach(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'report-month-'));
});
afterEach(async () => {
  await rm(outDir, { recursive: true, force: true });
});

async function sha256(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

async function readManifest(dir: string): Promise<MonthManifest> {
  return JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as MonthManifest;
}

describe('writeMonthReport on the sandbox’s generated workspace', () => {
  for (const timeZone of ['UTC', 'Europe/Berlin', 'America/New_York', 'Pacific/Chatham']) {
    it(`writes every file byte-identical to the brute-force reference (${timeZone}, a two-month backfill)`, async () => {
      const data = sandboxData();
      const written = await writeMonthsFromRaw(outDir, data, MONTHS, timeZone, { stream: timeZone === 'Europe/Berlin' });
      for (const month of MONTHS) {
        const ref = referenceMonth(data, { month, timeZone });
        const dir = join(outDir, month);
        expect(await readFile(join(dir, SUMMARY_FILE), 'utf8')).toBe(referenceCsvText(ref.summary));
        expect(await readFile(join(dir, EVENTS_FILE), 'utf8')).toBe(referenceCsvText(ref.events));
        expect(await readFile(join(dir, AMOUNTS_FILE), 'utf8')).toBe(referenceCsvText(ref.amounts));
        expect(await readFile(join(dir, RETENTION_FILE), 'utf8')).toBe(referenceCsvText(ref.retention));

        const manifest = await readManifest(dir);
        expect(manifest).toEqual(written.get(month)!.result.manifest);
        const refTables: Record<string, string[][]> = {
          [SUMMARY_FILE]: ref.summary,
          [EVENTS_FILE]: ref.events,
          [AMOUNTS_FILE]: ref.amounts,
          [RETENTION_FILE]: ref.retention,
        };
        const names = manifest.files.map((f) => f.name);
        expect(names.slice(0, 4)).toEqual([SUMMARY_FILE, EVENTS_FILE, AMOUNTS_FILE, RETENTION_FILE]);
        expect(names.slice(4).sort()).toEqual([...MONTH_PAGE_FILES]);
        expect(manifest.formula_guard).toBe(true);
        for (const file of manifest.files) {
          const bytes = await readFile(join(dir, file.name));
          expect(file).toEqual({
            name: file.name,
            ...(file.name.endsWith('.csv') ? { rows: refTables[file.name]!.length - 1 } : {}),
            bytes: bytes.length,
            sha256: await sha256(join(dir, file.name)),
          });
        }
        const w = monthWindow(month, timeZone);
        expect(manifest).toMatchObject({
          month,
          time_zone: timeZone,
          window: { start_unix: w.startSec, end_unix: w.endSec, hours: (w.endSec - w.startSec) / 3600 },
          source: { base_url: 'http://127.0.0.1:9', api_version: '2.14' },
          totals: { cohorts: ref.summary.length - 1, unique_contacts: data.contacts.size },
          warnings: [],
          timing: { generated_at: '2026-12-10T03:00:00.000Z' },
        });
      }
      expect((await readdir(outDir)).sort()).toEqual(MONTHS);
    });
  }

  it('writes the same CSV bytes and manifest (bar timing) on a second run of the same data', async () => {
    const data = sandboxData();
    const other = await mkdtemp(join(tmpdir(), 'report-month-b-'));
    try {
      await writeMonthsFromRaw(outDir, data, ['2026-11'], 'Europe/Berlin', { generatedAt: '2026-12-10T03:00:00Z' });
      await writeMonthsFromRaw(other, data, ['2026-11'], 'Europe/Berlin', { generatedAt: '2026-12-11T04:05:06Z', stream: true });
      for (const file of [SUMMARY_FILE, EVENTS_FILE, AMOUNTS_FILE, RETENTION_FILE]) {
        expect((await readFile(join(other, '2026-11', file))).equals(await readFile(join(outDir, '2026-11', file)))).toBe(true);
      }
      const a = await readManifest(join(outDir, '2026-11'));
      const b = await readManifest(join(other, '2026-11'));
      expect(a.timing).not.toEqual(b.timing);
      expect(JSON.stringify(manifestWithoutTiming(a))).toBe(JSON.stringify(manifestWithoutTiming(b)));
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});

describe('report.formulaGuard off', () => {
  it('writes workspace text as it is, records the setting, and rebuilds trends and retention without stripping a quote', async () => {
    const month = '2026-10';
    const edge = edgeRawData(month, 'UTC');
    // A name that looks guarded already: with the guard off it must come back with its quote.
    const quoted = { type: 'tag' as const, id: "'+quoted", name: "'=already quoted", reported: null, memberIds: [...edge.contacts.keys()].slice(0, 3) };
    const data: RawData = { ...edge, cohorts: [...edge.cohorts, quoted] };
    const output = { formats: ['csv'] as const, formulaGuard: false };
    await writeMonthsFromRaw(outDir, data, [month], 'UTC', { output: { ...output, formats: [...output.formats] } });
    const ref = referenceMonth(data, { month, timeZone: 'UTC' });
    expect(ref.summary.some((row) => row[3]!.startsWith('='))).toBe(true);
    for (const [file, table] of [[SUMMARY_FILE, ref.summary], [EVENTS_FILE, ref.events], [AMOUNTS_FILE, ref.amounts], [RETENTION_FILE, ref.retention]] as const) {
      expect(await readFile(join(outDir, month, file), 'utf8'), file).toBe(referenceCsvText(table, { guard: false }));
    }
    expect((await readManifest(join(outDir, month))).formula_guard).toBe(false);
    await writeTrendsIn(outDir, { ...output, formats: ['csv'] });
    await writeRetentionIn(outDir, { ...output, formats: ['csv'] });
    expect(await readFile(join(outDir, TRENDS_FILE), 'utf8')).toBe(referenceCsvText(referenceTrends([{ month, summary: ref.summary }]), { guard: false }));
    expect(await readFile(join(outDir, RETENTION_HISTORY_FILE), 'utf8')).toBe(referenceCsvText(referenceRetentionHistory([ref]), { guard: false }));
  });

  it('rebuilds trends.csv with the guard from months written without it, and the other way round', async () => {
    const data = edgeRawData('2026-10', 'UTC');
    await writeMonthsFromRaw(outDir, data, ['2026-09'], 'UTC', { output: { formats: ['csv'], formulaGuard: false } });
    await writeMonthsFromRaw(outDir, data, ['2026-10'], 'UTC');
    await writeTrendsIn(outDir);
    const summaries = ['2026-09', '2026-10'].map((month) => ({ month, summary: referenceMonth(data, { month, timeZone: 'UTC' }).summary }));
    expect(summaries[0]!.summary.some((row) => /^[=+\-@]/.test(row[3]!))).toBe(true);
    expect(await readFile(join(outDir, TRENDS_FILE), 'utf8')).toBe(referenceCsvText(referenceTrends(summaries)));
  });
});

describe('writeMonthReport replacing and refusing', () => {
  it('replaces an existing month completely on a rerun and leaves no temporary folder', async () => {
    const month = '2026-10';
    await writeMonthsFromRaw(outDir, sandboxData(), [month], 'UTC');
    const edge = edgeRawData(month, 'UTC');
    await writeMonthsFromRaw(outDir, edge, [month], 'UTC');
    const ref = referenceMonth(edge, { month, timeZone: 'UTC' });
    expect(await readFile(join(outDir, month, SUMMARY_FILE), 'utf8')).toBe(referenceCsvText(ref.summary));
    expect(await readdir(outDir)).toEqual([month]);
    // Written without conversation rows, as with report.conversations false.
    expect(await listFiles(outDir)).toEqual(monthFolderFiles(month, { conversations: false }));
  });

  it('keeps the previous complete month when the rows fail midway, and removes its temporary folder', async () => {
    const month = '2026-10';
    const first = await writeMonthsFromRaw(outDir, sandboxData(), [month], 'UTC');
    const before = await readFile(join(outDir, month, MANIFEST_FILE), 'utf8');
    async function* failing(): AsyncGenerator<never> {
      await Promise.resolve();
      throw new Error('upstream failed while streaming events');
    }
    const rows = first.get(month)!.rows;
    await expect(
      writeMonthReport({
        target: openDiskOutput(outDir),
        month,
        timeZone: 'UTC',
        window: monthWindow(month, 'UTC'),
        generatedAt: new Date(0),
        source: { baseUrl: 'http://127.0.0.1:9', apiVersion: '2.14' },
        totals: { cohorts: 0, members: 0, uniqueContacts: 0, eventsFetched: 0, apiCalls: 0, responses429: 0, retries: 0 },
        warnings: [],
        rows: { summary: rows.summary, events: failing(), amounts: [], retention: [] },
      }),
    ).rejects.toThrow('upstream failed');
    expect(await readFile(join(outDir, month, MANIFEST_FILE), 'utf8')).toBe(before);
    expect(await readdir(outDir)).toEqual([month]);
  });

  it('sorts and merges warnings and drops zero counts', async () => {
    const result = await writeMonthReport({
      target: openDiskOutput(outDir),
      month: '2026-10',
      timeZone: 'UTC',
      window: monthWindow('2026-10', 'UTC'),
      generatedAt: '2026-11-01T00:00:00Z',
      timing: { durationMs: 1234 },
      source: { baseUrl: 'https://user:secret@api.intercom.io/?token=abc#x', apiVersion: '2.14' },
      totals: { cohorts: 0, members: 0, uniqueContacts: 0, eventsFetched: 0, apiCalls: 5, responses429: 1, retries: 2 },
      warnings: [
        { name: 'previous_month_beyond_retention', count: 1 },
        { name: 'members_missing', count: 2 },
        { name: 'members_missing', count: 1 },
        { name: 'zero', count: 0 },
      ],
      rows: { summary: [], events: [], amounts: [], retention: [] },
    });
    expect(result.manifest.warnings).toEqual([
      { name: 'members_missing', count: 3 },
      { name: 'previous_month_beyond_retention', count: 1 },
    ]);
    expect(result.manifest.source.base_url).toBe('https://api.intercom.io');
    expect(result.manifest.timing).toEqual({ generated_at: '2026-11-01T00:00:00.000Z', durationMs: 1234 });
    expect(await readFile(join(outDir, '2026-10', MANIFEST_FILE), 'utf8')).not.toContain('secret');
  });

  it('refuses a row of another month', async () => {
    const [row] = (await writeMonthsFromRaw(outDir, edgeRawData('2026-09', 'UTC'), ['2026-09'], 'UTC')).get('2026-09')!.rows.summary;
    await expect(
      writeMonthReport({
        target: openDiskOutput(outDir),
        month: '2026-10',
        timeZone: 'UTC',
        window: monthWindow('2026-10', 'UTC'),
        generatedAt: new Date(0),
        source: { baseUrl: 'http://127.0.0.1:9', apiVersion: '2.14' },
        totals: { cohorts: 1, members: 0, uniqueContacts: 0, eventsFetched: 0, apiCalls: 0, responses429: 0, retries: 0 },
        warnings: [],
        rows: { summary: [row!], events: [], amounts: [], retention: [] },
      }),
    ).rejects.toMatchObject({ code: 'REPORT_INVALID_INPUT' });
    expect((await readdir(outDir)).sort()).toEqual(['2026-09']);
  });
});

describe('writeTrends', () => {
  it('rebuilds trends.csv from every month folder with a manifest, byte-identical to the reference', async () => {
    const data = sandboxData();
    const months = ['2026-09', '2026-10', '2026-11'];
    await writeMonthsFromRaw(outDir, data, months, 'Europe/Berlin');
    // A folder without a manifest is incomplete and ignored; so is a hidden temporary.
    await writeMonthsFromRaw(join(outDir, 'ignored'), edgeRawData('2026-08', 'UTC'), ['2026-08'], 'UTC');
    await rm(join(outDir, 'ignored', '2026-08', MANIFEST_FILE));
    await rm(join(outDir, 'ignored'), { recursive: true });

    const result = await writeTrendsIn(outDir);
    expect(result.months).toEqual(months);
    const ref = referenceTrends(months.map((month) => ({ month, summary: referenceMonth(data, { month, timeZone: 'Europe/Berlin' }).summary })));
    const text = await readFile(join(outDir, TRENDS_FILE), 'utf8');
    expect(text).toBe(referenceCsvText(ref));
    expect(result).toMatchObject({ rows: ref.length - 1, bytes: Buffer.byteLength(text), sha256: await sha256(join(outDir, TRENDS_FILE)) });
  });

  it('skips a month folder whose manifest is missing, and reruns replace trends.csv', async () => {
    const data = edgeRawData('2026-10', 'UTC');
    await writeMonthsFromRaw(outDir, data, ['2026-09', '2026-10'], 'UTC');
    expect((await writeTrendsIn(outDir)).months).toEqual(['2026-09', '2026-10']);
    await rm(join(outDir, '2026-09', MANIFEST_FILE));
    const again = await writeTrendsIn(outDir);
    expect(again.months).toEqual(['2026-10']);
    const ref = referenceTrends([{ month: '2026-10', summary: referenceMonth(data, { month: '2026-10', timeZone: 'UTC' }).summary }]);
    expect(await readFile(join(outDir, TRENDS_FILE), 'utf8')).toBe(referenceCsvText(ref));
    expect((await readdir(outDir)).filter((e) => e.startsWith('.'))).toEqual([]);
  });

  it('refuses a summary changed after writing (REPORT_INTEGRITY)', async () => {
    await writeMonthsFromRaw(outDir, edgeRawData('2026-10', 'UTC'), ['2026-10'], 'UTC');
    const path = join(outDir, '2026-10', SUMMARY_FILE);
    await writeFile(path, (await readFile(path, 'utf8')).replace('Ties', 'Tiez'));
    await expect(writeTrendsIn(outDir)).rejects.toBeInstanceOf(ReportIntegrityError);
  });

  it('writes a header-only trends.csv for an output folder with no months', async () => {
    await writeTrendsIn(outDir);
    expect((await readFile(join(outDir, TRENDS_FILE), 'utf8')).split('\n')).toHaveLength(2);
  });
});
