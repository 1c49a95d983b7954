/**
 * The terminal as a person sees it, in a real one (tmux at 80 columns): the progress line never wraps
 * and stays on the last row however long the run; log lines written meanwhile (debug level: one per
 * API response) land on rows of their own, never on the progress line's; while reports are written a
 * phase line says so; and the run's last lines follow. Every byte the run wrote is recorded too (tmux
 * pipe-pane) and parts of it played back into a second pane, so what the screen held at a chosen
 * moment (a log line arriving under the progress line, the phase line) is read from a terminal,
 * whatever the timing of the run. Then a rerun with another month beside an interrupted run's journal
 * names it (and says so again at the end), and the rerun of the interrupted one says how far it had
 * come. tmux must be on PATH (.ci/run installs it); without it the tests fail and say so.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliNodeArgs, PROJECT_ROOT } from '../support/e2e-cli.js';
import { lastEndedMonth } from '../support/e2e-reference.js';
import { monthBefore } from '../support/report-reference.js';

const run = promisify(execFile);
const COLUMNS = 80;
const socket = `cohort-reports-progress-${process.pid}`;
let tmp: string;

const tmux = (...args: string[]): Promise<{ stdout: string }> => run('tmux', ['-L', socket, '-f', join(tmp, 'tmux.conf'), ...args]);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const cli = (): string => `env -i PATH="$PATH" HOME="$HOME" TERM=xterm node ${cliNodeArgs().join(' ')}`;

/** A progress line (figures) or a phase line: what the run draws in place on the last row. */
const STATUS = /cohorts [\d,]+\/[\d,]+ · |· ETA |^(summarizing|writing|rebuilding) .*… \d+s$/;
/** A compact log line's head, wherever it sits in a row (after a progress line, when it should not). */
const LOG_HEAD = /\d\d:\d\d:\d\d (DEBUG |WARN |ERROR )?[a-zA-Z]/;

/** Every row of the pane, scrollback included; `joined`: wrapped rows joined into their lines. */
async function paneRows(session: string, joined = false): Promise<string[]> {
  const { stdout } = await tmux('capture-pane', '-p', ...(joined ? ['-J'] : []), '-S', '-', '-t', session);
  return stdout.split('\n');
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(40);
  }
}

/** What an 80-column terminal shows after `bytes`, played into a fresh pane: its lines (wrapped rows joined) up to the last one written. */
async function playBack(name: string, bytes: string, last: string): Promise<string[]> {
  const file = join(tmp, `${name}.bytes`);
  await writeFile(file, bytes);
  await tmux('new-session', '-d', '-s', name, '-x', String(COLUMNS), '-y', '60', `cat ${file}; sleep 60`);
  const rows = await waitFor(`the play-back of ${name}`, async () => {
    const r = await paneRows(name, true);
    return r.some((row) => row.startsWith(last)) && r;
  });
  const end = rows.findLastIndex((r) => r.trim() !== '');
  return rows.slice(0, end + 1);
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'progress-tmux-'));
  // Every row the runs write stays in the scrollback (a debug run writes a line per API call).
  await writeFile(join(tmp, 'tmux.conf'), 'set-option -g history-limit 100000\n');
});

afterAll(async () => {
  await tmux('kill-server').catch(() => {});
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('the screen of a run at 80 columns', () => {
  const session = 'progress';
  const month = lastEndedMonth(Date.now() / 1000, 'UTC');
  let snapshots: string[][];
  let history: string[];
  let raw: string;

  beforeAll(async () => {
    const out = join(tmp, 'reports');
    const go = join(tmp, 'go');
    const rawFile = join(tmp, 'raw');
    // 600 contacts paced to a few seconds of collecting, and about a second of writing reports.
    const script = [
      `cd ${PROJECT_ROOT}`,
      `while [ ! -e ${go} ]; do sleep 0.05; done`,
      `${cli()} run --sandbox --month last --sandbox-contacts 600 --sandbox-rate-limit 3000 --out ${out} --log-level debug --no-color`,
      'echo "EXIT=$?"',
      'sleep 120',
    ].join('\n');
    await writeFile(join(tmp, 'progress.sh'), script);
    await tmux('new-session', '-d', '-s', session, '-x', String(COLUMNS), '-y', '40', `sh ${join(tmp, 'progress.sh')}`);
    await tmux('pipe-pane', '-o', '-t', session, `cat > ${rawFile}`);
    await writeFile(go, '');
    snapshots = [];
    await waitFor('the run to finish', async () => {
      const { stdout } = await tmux('capture-pane', '-p', '-t', session);
      snapshots.push(stdout.split('\n'));
      return stdout.includes('EXIT=');
    }, 90_000);
    raw = await waitFor('the recorded output', async () => {
      const text = existsSync(rawFile) ? await readFile(rawFile, 'utf8') : '';
      return text.includes('EXIT=') && text;
    });
    history = await paneRows(session);
  }, 120_000);

  it('the progress line stays on one row, last, within the width, and is gone once the run is done', () => {
    expect(snapshots.at(-1)).toContain('EXIT=0');
    const during = snapshots.filter((rows) => rows.some((r) => r.includes('· ETA ')));
    // The run was long enough to be watched redrawing.
    expect(during.length).toBeGreaterThan(3);
    for (const rows of during) {
      const status = rows.filter((r) => r.includes('· ETA '));
      expect(status, rows.join('\n')).toHaveLength(1);
      expect(rows.findLastIndex((r) => r.trim() !== ''), rows.join('\n')).toBe(rows.indexOf(status[0]!));
      for (const r of rows) expect([...r].length).toBeLessThanOrEqual(COLUMNS);
    }
    expect(snapshots.at(-1)!.filter((r) => STATUS.test(r))).toEqual([]);
  });

  it('log lines were written while the progress line was drawn, and no row of the scrollback holds both', () => {
    const firstFigures = raw.search(/cohorts \d+\/\d+ · contacts /);
    const lastLog = raw.lastIndexOf('DEBUG intercom response');
    expect(firstFigures).toBeGreaterThan(-1);
    expect(lastLog).toBeGreaterThan(firstFigures);
    // Every row as it was left: a log line written onto a progress line would have stayed there.
    const logRows = history.filter((r) => LOG_HEAD.test(r));
    expect(logRows.length).toBeGreaterThan(100);
    for (const r of history) expect(STATUS.test(r), r).toBe(false);
    // Each log line starts its own row (the clock first), whatever came before it.
    for (const r of logRows) expect(r, r).toMatch(/^\d\d:\d\d:\d\d /);
  });

  it('a log line arriving under a progress line: the terminal shows the log line, then the progress line alone on the last row', async () => {
    // The first debug line written under a progress line of figures, and that line drawn again after it
    // (in one write: the log line, its newline, the redraw). The first such moment, not the first debug
    // line after any figures: on a slow machine the line may already begin with "listing conversations".
    const under = /DEBUG intercom response[^\n]*\ncohorts \d+\/\d+ · contacts /.exec(raw);
    expect(under, 'a debug line under a progress line of figures').not.toBeNull();
    const log = under!.index;
    // The log line ends with its newline; the next carriage return begins the write after the redraw.
    const cut = raw.indexOf('\r', raw.indexOf('\n', log) + 1);
    const rows = await playBack('log-under-progress', raw.slice(0, cut), 'cohorts ');
    expect(rows.at(-1), rows.join('\n')).toMatch(/^cohorts \d+\/\d+ · contacts [\d,]+\/[\d,]+ · [\d,]+ calls? · \d+ × 429 · ETA \S+$/);
    expect(rows.at(-2)).toMatch(/^\d\d:\d\d:\d\d DEBUG intercom response · /);
    for (const r of rows.slice(0, -1)) expect(STATUS.test(r), r).toBe(false);
  });

  it('while the reports are written a phase line names the month, then the rebuilds, until the last lines print', async () => {
    const after = (text: string, from: number): number => {
      const at = raw.indexOf(text, from);
      expect(at, `"${text}" after offset ${from}`).toBeGreaterThan(-1);
      return at;
    };
    const lastFigures = raw.lastIndexOf(' · ETA ');
    const writing = after(`writing ${month} … `, lastFigures);
    const rebuilding = after('rebuilding trends, retention and index … ', writing);
    const finished = after(' run finished · ', rebuilding);
    after(`wrote ${month}: `, finished);
    // What the terminal showed at that moment: the phase line, alone, last, under the log lines.
    const rows = await playBack('writing-phase', raw.slice(0, raw.indexOf('\r', writing + 1)), 'writing ');
    expect(rows.at(-1)).toMatch(new RegExp(`^writing ${month} … \\d+s$`));
    expect(rows.at(-2)).toMatch(/^\d\d:\d\d:\d\d /);
    for (const r of rows.slice(0, -1)) expect(STATUS.test(r), r).toBe(false);
    // The last lines: the phase line is gone, the summary in words.
    const final = await paneRows(session, true);
    expect(final.find((r) => r.startsWith(`wrote ${month}: `))).toMatch(/^wrote \d{4}-\d\d: \d+ cohorts, [\d,]+ contacts, [\d,]+ API calls, 0 × 429$/);
    expect(final.join('\n')).toMatch(/reports in .*\n(.*\n)*.*run_results\.json/);
  });
});

describe('a rerun beside another run\'s journal, then the resume of that run', () => {
  const session = 'journals';
  const month = lastEndedMonth(Date.now() / 1000, 'UTC');
  const other = monthBefore(month);
  let rows: string[];
  let journal: string;
  let expected: { done: number; listed: number; allPaged: boolean };

  const section = (name: string): string[] => {
    const end = rows.findIndex((r) => r.startsWith(`== ${name} exit=`));
    const start = rows.slice(0, end).findLastIndex((r) => r.startsWith('== '));
    return rows.slice(start + 1, end + 1);
  };

  beforeAll(async () => {
    const out = join(tmp, 'journals');
    const flag = (name: string): string => join(tmp, name);
    const wait = (name: string): string => `while [ ! -e ${flag(name)} ]; do sleep 0.05; done`;
    const sandbox = '--sandbox --sandbox-contacts 100';
    const script = [
      `cd ${PROJECT_ROOT}`,
      wait('go-a'),
      // Paced, so that it is still collecting when the test interrupts it (SIGINT to this pid, as Ctrl-C).
      `sh -c 'echo $$ > ${flag('pid-a')}; exec ${cli()} run ${sandbox} --sandbox-rate-limit 300 --month last --out ${out} --no-color'; echo "== A exit=$?"`,
      wait('go-b'),
      `${cli()} run ${sandbox} --sandbox-rate-limit 100000 --month ${other} --out ${out} --no-color; echo "== B exit=$?"`,
      wait('go-c'),
      `${cli()} run ${sandbox} --sandbox-rate-limit 100000 --month last --out ${out} --no-color; echo "== C exit=$?"`,
      'echo "== DONE"',
      'sleep 120',
    ].join('\n');
    await writeFile(join(tmp, 'journals.sh'), script);
    await tmux('new-session', '-d', '-s', session, '-x', String(COLUMNS), '-y', '40', `sh ${join(tmp, 'journals.sh')}`);
    await writeFile(flag('go-a'), '');
    const work = join(out, '.work');
    journal = await waitFor('a result in the journal of A', async () => {
      const names = existsSync(work) ? (await readdir(work)).filter((n) => n.endsWith('.journal.jsonl')) : [];
      if (names.length !== 1) return undefined;
      const text = await readFile(join(work, names[0]!), 'utf8');
      return text.includes('"t":"result"') && join(work, names[0]!);
    });
    process.kill(Number((await readFile(flag('pid-a'), 'utf8')).trim()), 'SIGINT');
    await waitFor('A to stop', async () => (await paneRows(session, true)).some((r) => r.startsWith('== A exit=')));
    // How far A came, read from its journal: contacts listed by its pages, contacts with a result, cohorts paged to the end.
    const records = (await readFile(journal, 'utf8'))
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { t: string; id?: string; key?: string; next?: string | null; members?: string[]; cohorts?: unknown[] });
    const listed = new Set(records.filter((r) => r.t === 'page').flatMap((r) => r.members!.filter((_, i) => i % 2 === 0)));
    const done = new Set(records.filter((r) => r.t === 'result').map((r) => r.id!));
    const cohorts = records.find((r) => r.t === 'cohorts')!.cohorts!.length;
    const paged = new Set(records.filter((r) => r.t === 'page' && r.next === null).map((r) => r.key!));
    expected = { done: done.size, listed: listed.size, allPaged: paged.size === cohorts };
    await writeFile(flag('go-b'), '');
    await waitFor('B to finish', async () => (await paneRows(session, true)).some((r) => r.startsWith('== B exit=')));
    await writeFile(flag('go-c'), '');
    rows = await waitFor('C to finish', async () => {
      const r = await paneRows(session, true);
      return r.includes('== DONE') && r;
    });
  }, 120_000);

  it('A, interrupted, leaves its journal and a clean last row', () => {
    const a = section('A');
    expect(a.at(-1)).toBe('== A exit=130');
    expect(a.at(-2)).toBe('cohort-reports: interrupted; progress is kept, run the same command again to resume');
    for (const r of a) expect(STATUS.test(r), r).toBe(false);
  });

  it('B, another month, names A\'s journal when it starts and again in its last lines', () => {
    const b = section('B');
    expect(b.at(-1), b.join('\n')).toBe('== B exit=0');
    const told = `${month} UTC, unfinished; resume it with --month ${month} --timezone UTC (other options as now) or delete ${journal} (only its progress is lost)`;
    expect(b.filter((r) => r.includes('another run\'s journal'))).toEqual([expect.stringMatching(/^\d\d:\d\d:\d\d another run's journal is in \.work\/: /)]);
    expect(b.find((r) => r.includes('another run\'s journal'))!.replace(/^\S+ another run's journal is in \.work\/: /, '')).toBe(told);
    expect(b).toContain(`left in .work/: ${told}`);
    expect(b.find((r) => r.startsWith('wrote '))).toMatch(new RegExp(`^wrote ${other}: \\d+ cohorts, \\d+ contacts, [\\d,]+ API calls, 0 × 429$`));
  });

  it('C, A\'s command again, says how far A had come, finishes it and leaves nothing behind', async () => {
    const c = section('C');
    expect(c.at(-1), c.join('\n')).toBe('== C exit=0');
    const resuming = c.filter((r) => r.includes('Resuming'));
    // The line is there when A left contacts without their events (it nearly always does).
    if (expected.listed > expected.done) {
      expect(resuming).toEqual([expect.stringMatching(/^\d\d:\d\d:\d\d Resuming: /)]);
      expect(resuming[0]!.slice(9)).toBe(`Resuming: ${expected.done.toLocaleString('en-US')} of ${expected.listed.toLocaleString('en-US')} contacts${expected.allPaged ? '' : ' listed so far'} already done`);
    } else {
      expect(resuming).toEqual([]);
    }
    expect(c.some((r) => r.includes('another run\'s journal') || r.startsWith('left in'))).toBe(false);
    expect(existsSync(journal)).toBe(false);
  });
});
