/**
 * The conversations section in a real month folder, opened in headless Chromium. The CSVs are a
 * sandbox workspace's month as writeMonthReport wrote them; they are copied into two folders, one
 * of which also gets cohort_conversations.csv, from the sandbox's own conversations computed by brute
 * force from METRICS.md (test/support/conversations-reference.ts), and each gets its page. Some
 * cohorts carry hostile or long names.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unguardFormula } from '../../src/report/guard-formula.js';
import { parseCsv } from '../../src/report-files/parse-csv.js';
import { writeMonthPage } from '../../src/report-html/index.js';
import { generateConversations } from '../../src/sandbox/generate-conversations.js';
import { generateWorkspace } from '../../src/sandbox/generate-workspace.js';
import { conversationFromWire, REF_CONVERSATIONS_HEADER, referenceConversations } from '../support/conversations-reference.js';
import { lastEndedMonth } from '../support/e2e-reference.js';
import { HAS_CHROMIUM, markLabels, markTitles, parseAriaLabel, startPageBrowser, type PageBrowser } from '../support/report-browser.js';
import { referenceCsvText } from '../support/report-reference.js';
import { sandboxRawData } from '../support/report-sandbox-data.js';
import { writeMonthsFromRaw } from '../support/report-write.js';

const NOW_SEC = Date.UTC(2026, 10, 20) / 1000;
const SEED = 21;
const CONTACTS = 300;
const CHARTED = 20;
/** Given to the cohorts with the most members, so that all are charted. */
const NAMES = [
  '<img src=x onerror=alert(1)>',
  '=HYPERLINK("https://example.com","x")',
  '</script><script>alert(2)</script>',
  'Customers who signed up through the partner programme in EMEA',
];

type Row = Record<string, string>;

/** The first 20 cohorts by members, most first, ties in file order. */
function chartedOf(rows: Row[]): Row[] {
  return rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => Number(b.r.members) - Number(a.r.members) || a.i - b.i)
    .slice(0, CHARTED)
    .map(({ r }) => r);
}

function readCsvRows(text: string): Row[] {
  const [header, ...rows] = parseCsv(text);
  return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!])));
}

let tmp: string;
let month: string;
/** The same CSVs without cohort_conversations.csv. */
let without: string;
/** The same CSVs and cohort_conversations.csv, the page written by writeMonthPage. */
let withConversations: string;
let browser: PageBrowser | undefined;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'report-html-conversations-'));
  month = lastEndedMonth(NOW_SEC, 'UTC');
  const raw = sandboxRawData({ contacts: CONTACTS, seed: SEED, nowSec: NOW_SEC });
  const byMembers = [...raw.cohorts].sort((a, b) => new Set(b.memberIds).size - new Set(a.memberIds).size);
  NAMES.forEach((name, i) => (byMembers[i]!.name = name));
  await writeMonthsFromRaw(tmp, raw, [month], 'UTC');
  const written = join(tmp, month);
  const manifest = JSON.parse(await readFile(join(written, 'manifest.json'), 'utf8')) as { time_zone: string; window: { start: string; end: string }; warnings: [] };
  const facts = { month, timeZone: manifest.time_zone, window: manifest.window, warnings: manifest.warnings, formulaGuard: true };

  without = join(tmp, 'without-conversations');
  withConversations = join(tmp, 'with-conversations');
  for (const dir of [without, withConversations]) {
    await mkdir(dir);
    for (const f of ['cohort_summary.csv', 'cohort_events.csv', 'cohort_amounts.csv']) await copyFile(join(written, f), join(dir, f));
  }
  const conversations = generateConversations(generateWorkspace({ contacts: CONTACTS, seed: SEED, nowSec: NOW_SEC })).map(conversationFromWire);
  const rows = referenceConversations(month, 'UTC', conversations, raw.cohorts.map((c) => ({ type: c.type, id: c.id, name: c.name, members: c.memberIds })));
  await writeFile(join(withConversations, 'cohort_conversations.csv'), referenceCsvText([REF_CONVERSATIONS_HEADER, ...rows]));
  await writeMonthPage(without, facts);
  await writeMonthPage(withConversations, facts);
  if (HAS_CHROMIUM) browser = await startPageBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('a month folder with cohort_conversations.csv', () => {
  it('has a page that is the page of the same folder without the file, plus the link and the conversations section', async () => {
    const before = await readFile(join(without, 'report.html'), 'utf8');
    const after = await readFile(join(withConversations, 'report.html'), 'utf8');
    const link = '<a href="cohort_conversations.csv">cohort_conversations.csv</a>';
    expect(before).not.toContain('conversation');
    const start = after.indexOf('<section id="conversations">');
    expect(start).toBeGreaterThan(0);
    expect(after.slice(0, start).replace(link, '') + after.slice(after.indexOf('<section id="table">'))).toBe(before);
  });

  it('has cohorts that opened conversations among the charted ones', async () => {
    const rows = readCsvRows(await readFile(join(withConversations, 'cohort_conversations.csv'), 'utf8'));
    const charted = chartedOf(rows);
    expect(charted.filter((r) => Number(r.conversations_opened) > 0).length).toBeGreaterThan(5);
    expect(charted.map((r) => unguardFormula(r.cohort_name!))).toEqual(expect.arrayContaining(NAMES));
  });
});

describe.skipIf(!HAS_CHROMIUM)('the conversations section in headless Chromium (needs /usr/bin/chromium)', () => {
  let opened: { page: Page; requests: string[]; dialogs: string[] };
  let rows: Row[];

  beforeAll(async () => {
    opened = await browser!.open(join(withConversations, 'report.html'));
    rows = readCsvRows(await readFile(join(withConversations, 'cohort_conversations.csv'), 'utf8'));
  });

  it('opens with no request and no dialog, hostile names shown as text', async () => {
    expect(opened.requests).toEqual([]);
    expect(opened.dialogs).toEqual([]);
    expect(await opened.page.$$eval('#conversations script, #conversations img, #conversations iframe', (els) => els.length)).toBe(0);
  });

  it("gives each bar the CSV's figures as its tooltip, for the charted cohorts", async () => {
    const charted = chartedOf(rows);
    const keys = ['cohort_name', 'members', 'conversations_opened', 'opened_per_100_members'];
    const labels = await markLabels(opened.page, 'conversation-rates', ['bar']);
    expect(await markTitles(opened.page, 'conversation-rates', ['bar'])).toEqual(labels);
    const perHundred = labels.map((l) => parseAriaLabel(l, keys)).filter((l) => 'opened_per_100_members' in l);
    const json = (list: Row[]): string[] => list.map((o) => JSON.stringify(o, Object.keys(o).sort())).sort();
    expect(json(perHundred)).toEqual(json(charted.map((r) => Object.fromEntries(keys.map((k) => [k, k === 'cohort_name' ? unguardFormula(r[k]!) : r[k]!]))).filter((r) => r.opened_per_100_members !== '')));
  });

  it('shows every cohort label whole, inside its chart, and the charts at their own size at 1280 px', async () => {
    const charted = chartedOf(rows);
    const expected = {
      'conversation-rates': charted,
      'conversation-counts': charted.filter((r) => Number(r.members_opened) > 0),
    };
    for (const [id, cohorts] of Object.entries(expected)) {
      const seen = await opened.page.$eval(`section#${id} svg`, (svg) => {
        const box = svg.getBoundingClientRect();
        const labels = [...svg.querySelectorAll('[aria-roledescription="axis"] text')]
          .filter((t) => /^\d+\. /.test(t.textContent ?? ''))
          .map((t) => {
            const b = t.getBoundingClientRect();
            return { text: t.textContent ?? '', inside: b.left >= box.left && b.right <= box.right };
          });
        return { drawnWidth: box.width, ownWidth: Number(svg.getAttribute('width')), labels };
      });
      expect(seen.drawnWidth, id).toBeCloseTo(seen.ownWidth, 0);
      for (const label of seen.labels) expect(label.inside, label.text).toBe(true);
      expect(seen.labels.map((l) => l.text.replace(/^\d+\. /, '')).sort(), id).toEqual(cohorts.map((r) => unguardFormula(r.cohort_name!)).sort());
    }
  });
});
