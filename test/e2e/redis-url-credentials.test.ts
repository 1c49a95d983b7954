/**
 * A Redis password in any form ioredis honours never reaches the operator's screen or log: `status`
 * and `check` against a Redis that is down (a closed loopback port) say where they could not connect,
 * with every credential masked, in the compact and the JSON log formats, through the real CLI.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/e2e-cli.js';
import { freePort } from '../support/free-port.js';

const SECRET = 'S3cr3t-p4ss-9f2c';
/** A password with characters a URL must percent-encode: neither spelling may appear. */
const ODD = `p@ss/${SECRET}`;

let port: number;
let tmp: string;

beforeAll(async () => {
  port = await freePort();
  tmp = await mkdtemp(join(tmpdir(), 'redis-url-credentials-'));
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const FORMS: Array<{ name: string; url: () => string; shown: () => string }> = [
  { name: ':pass@', url: () => `redis://:${SECRET}@127.0.0.1:${port}`, shown: () => `redis://:***@127.0.0.1:${port}` },
  { name: 'user:pass@, percent-encoded', url: () => `redis://app:${encodeURIComponent(ODD)}@127.0.0.1:${port}/0`, shown: () => `redis://app:***@127.0.0.1:${port}/0` },
  { name: '?password=', url: () => `redis://127.0.0.1:${port}/?password=${SECRET}`, shown: () => `redis://127.0.0.1:${port}/?password=***` },
  { name: '?username=…&password=…', url: () => `redis://127.0.0.1:${port}/?username=app&password=${SECRET}`, shown: () => `redis://127.0.0.1:${port}/?username=app&password=***` },
  { name: 'rediss:// with both', url: () => `rediss://app:${SECRET}@127.0.0.1:${port}/?password=${SECRET}`, shown: () => `rediss://app:***@127.0.0.1:${port}/?password=***` },
];

interface Seen extends CliResult {
  command: 'status' | 'check';
  label: string;
}

// Each form once per command, all at once (most of each run is waiting for the refused connection);
// the log format alternates from form to form, so each command is seen in both formats (the logger's
// own redaction, in every format, is test/unit/cli-terminal-text.test.ts).
let seen: Seen[][];

beforeAll(async () => {
  seen = await Promise.all(
    FORMS.map((form, i) =>
      Promise.all(
        (['status', 'check'] as const).map(async (command, j): Promise<Seen> => {
          const format = (i + j) % 2 === 0 ? 'compact' : 'json';
          const args = [command, '--log-format', format, '--log-level', 'debug', ...(command === 'check' ? ['--out', join(tmp, 'out')] : [])];
          const r = await runCli(args, { REDIS_URL: form.url() }, { timeoutMs: 45_000 });
          return { command, label: `${form.name}: ${command} --log-format ${format}`, ...r };
        }),
      ),
    ),
  );
}, 60_000);

describe('a Redis URL credential, in every form, with Redis down', () => {
  it.each(FORMS.map((f, i) => [f.name, i] as const))('%s: status and check name the URL masked', (_name, i) => {
    const form = FORMS[i]!;
    for (const r of seen[i]!) {
      const all = `${r.stdout}\n${r.stderr}`;
      expect(r.code, `${r.label}: ${all}`).toBe(1);
      for (const secret of [SECRET, ODD, encodeURIComponent(ODD)]) expect(all, r.label).not.toContain(secret);
      // Still useful: the line names the URL (masked) and the cause.
      const said = r.command === 'check' ? r.stdout : r.stderr;
      expect(said, r.label).toContain(`cannot reach Redis at ${form.shown()} (`);
    }
  });
});
