/**
 * Workspace text and server answers are shown, never obeyed, on a real terminal (tmux): a tag and a
 * segment named with escape sequences (OSC 0 window title, OSC 52 clipboard, CR + erase line to forge
 * "FAKE: all checks passed") and an Intercom error body carrying the same. `cohorts` (the table),
 * `run` (compact log lines, at debug they carry the cohort id), `check` (the failed region line) and
 * the final error line all print the visible `\x1b` escape; the pane's title and tmux's clipboard
 * buffers stay untouched. One tmux session for all four commands. tmux must be on PATH.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkspace } from '../support/badinput-workspace.js';
import { cliNodeArgs, PROJECT_ROOT } from '../support/e2e-cli.js';
import { lastEndedMonth } from '../support/e2e-reference.js';
import { startE2eSandbox, type E2eSandbox } from '../support/e2e-sandbox.js';

const run = promisify(execFile);
const socket = `cohort-reports-text-${process.pid}`;
const session = 'text';
const tmux = (...args: string[]): Promise<{ stdout: string }> => run('tmux', ['-L', socket, '-f', '/dev/null', ...args]);

/** Sets the title to "pwned", writes "evil" to the clipboard, then erases the line to forge a verdict. */
const HOSTILE = 'VIP\x1b]0;pwned\x07\x1b]52;c;ZXZpbA==\x07\r\x1b[2KFAKE: all checks passed';
/** The same, as a person must see it. */
const SHOWN = 'VIP\\x1b]0;pwned\\x07\\x1b]52;c;ZXZpbA==\\x07\\x0d\\x1b[2KFAKE: all checks passed';
const TITLE = 'operator-pane';

let sb: E2eSandbox;
let hostileApi: Server;
let tmp: string;
let rows: string[];
let title: string;
let buffers: string;

/** An Intercom stand-in that refuses every request with HTTP 400 and a hostile error message. */
async function startRefusingApi(): Promise<{ server: Server; url: string }> {
  const body = JSON.stringify({ type: 'error.list', request_id: `req-${HOSTILE}`, errors: [{ code: 'parameter_invalid', message: HOSTILE }] });
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(400, { 'content-type': 'application/json' }).end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'terminal-text-'));
  const clockMs = Math.floor(Date.now() / 1000) * 1000;
  const nowSec = clockMs / 1000;
  const workspace = buildWorkspace({
    nowSec,
    contacts: [{ id: 'c1', createdAtSec: nowSec - 90 * 86_400 }],
    cohorts: [
      { type: 'segment', id: `seg-${HOSTILE}`, name: HOSTILE, memberIds: ['c1'] },
      { type: 'tag', id: '7', name: `tag ${HOSTILE}`, memberIds: [] },
    ],
    events: new Map(),
  });
  sb = await startE2eSandbox({ workspace, clockMs });
  const refusing = await startRefusingApi();
  hostileApi = refusing.server;
  const month = lastEndedMonth(nowSec, 'UTC');
  const cli = `node ${cliNodeArgs().join(' ')}`;
  const sandboxEnv = `INTERCOM_BASE_URL=${sb.env.INTERCOM_BASE_URL} INTERCOM_TOKEN=${sb.env.INTERCOM_TOKEN} RATE_LIMIT_ALLOWANCE=${sb.env.RATE_LIMIT_ALLOWANCE}`;
  const refusingEnv = `INTERCOM_BASE_URL=${refusing.url} INTERCOM_TOKEN=tok_text_123456`;
  const script = [
    `cd ${PROJECT_ROOT}`,
    // Wait until the pane's title and the clipboard option are set.
    `while [ ! -e ${join(tmp, 'go')} ]; do sleep 0.05; done`,
    `env ${sandboxEnv} ${cli} cohorts --no-color; echo "== cohorts exit=$?"`,
    `env ${sandboxEnv} ${cli} run --month ${month} --timezone UTC --out ${join(tmp, 'out')} --log-level debug --no-color; echo "== run exit=$?"`,
    `env ${refusingEnv} ${cli} check --out ${join(tmp, 'out2')} --no-color; echo "== check exit=$?"`,
    `env ${refusingEnv} ${cli} cohorts --no-color; echo "== error exit=$?"`,
    'echo "== DONE"',
    'sleep 60',
  ].join('\n');
  await writeFile(join(tmp, 'script.sh'), script);
  await tmux('new-session', '-d', '-s', session, '-x', '250', '-y', '80', `env -i PATH="$PATH" HOME="$HOME" TERM=xterm sh ${join(tmp, 'script.sh')}`);
  // Clipboard writes (OSC 52) from the program would become tmux paste buffers with this option.
  await tmux('set-option', '-s', 'set-clipboard', 'on');
  await tmux('select-pane', '-t', session, '-T', TITLE);
  await writeFile(join(tmp, 'go'), '');
  const deadline = Date.now() + 120_000;
  for (;;) {
    const { stdout } = await tmux('capture-pane', '-p', '-J', '-S', '-', '-t', session);
    rows = stdout.split('\n');
    if (rows.includes('== DONE')) break;
    if (Date.now() > deadline) throw new Error(`the commands did not finish:\n${stdout}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  title = (await tmux('display-message', '-p', '-t', session, '#{pane_title}')).stdout.trim();
  buffers = (await tmux('list-buffers')).stdout;
}, 150_000);

afterAll(async () => {
  await tmux('kill-server').catch(() => {});
  await sb?.close();
  if (hostileApi) await new Promise((r) => hostileApi.close(r));
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const section = (name: string): string[] => {
  const end = rows.findIndex((r) => r.startsWith(`== ${name} exit=`));
  const start = rows.slice(0, end).findLastIndex((r) => r.startsWith('== '));
  return rows.slice(start + 1, end + 1);
};

describe('hostile workspace and server text on a terminal', () => {
  it('nothing was obeyed: the title and the clipboard are untouched, and no line was forged', () => {
    expect(title).toBe(TITLE);
    expect(buffers).toBe('');
    const all = rows.join('\n');
    expect(all).not.toContain('pwned\n');
    for (const r of rows) expect(r.startsWith('FAKE'), r).toBe(false);
  });

  it('cohorts: the table shows the names and the id with the visible escapes', () => {
    const lines = section('cohorts');
    expect(lines.at(-1)).toBe('== cohorts exit=0');
    expect(lines.some((r) => r.startsWith('segment') && r.includes(`seg-${SHOWN}`) && r.includes(`  ${SHOWN}  `))).toBe(true);
    expect(lines.some((r) => r.startsWith('tag') && r.includes(`tag ${SHOWN}`))).toBe(true);
  });

  it('run: the compact log line carrying the cohort id shows the escapes', () => {
    const lines = section('run');
    expect(lines.at(-1), lines.join('\n')).toBe('== run exit=0');
    expect(lines.some((r) => /^\d\d:\d\d:\d\d DEBUG cohort paged · /.test(r) && r.includes(`cohortId seg-${SHOWN}`)), lines.join('\n')).toBe(true);
  });

  it('check: the failed region line quotes Intercom\'s message with the escapes', () => {
    const lines = section('check');
    expect(lines.at(-1)).toBe('== check exit=1');
    const region = lines.find((r) => r.startsWith('✗ region: '));
    expect(region, lines.join('\n')).toContain(`HTTP 400 (parameter_invalid: ${SHOWN})`);
    expect(lines).toContain('1 check failed');
  });

  it('the final error line quotes Intercom\'s message with the escapes', () => {
    const lines = section('error');
    expect(lines.at(-1)).toBe('== error exit=1');
    expect(lines.find((r) => r.startsWith('cohort-reports: ')), lines.join('\n')).toContain(`HTTP 400 (parameter_invalid: ${SHOWN})`);
  });
});
