/**
 * `cohort-reports check`: is everything in place for a run? Each check is one line, ✓ or ✗, and a
 * failed one says how to fix it (like `dbt debug`). Exit 0 only when every check passes, else 1
 * (2 stays for a command line or configuration that cannot even be read).
 */
import { accessSync } from 'node:fs';
import { resolve } from 'node:path';
import { connectRedis, waitForRedis } from '../../jobs/connect-redis.js';
import type { Config } from '../config.js';
import { describeWorkspace } from '../intercom/identify-workspace.js';
import { AuthenticationError } from '../intercom/errors.js';
import type { IntercomApi } from '../intercom/types.js';
import { discoverCohorts } from '../pipeline/discover-cohorts.js';
import { printable } from '../shared/printable.js';
import { redactCredentials } from '../shared/redact-url.js';
import { isObjectStoreLocation } from '../report-output/open-report-output.js';
import { checkOutputFolder } from './check-output-folder.js';
import { createCliLogger } from './create-cli-logger.js';
import type { ParsedFlags } from './flags.js';
import { REDIS_READY_TIMEOUT_MS } from './open-queue.js';
import { openWorkspace } from './open-workspace.js';
import { loadConfigFromFlags } from './shared-flags.js';
import { resolveTerminal } from './terminal.js';

export interface CheckLine {
  ok: boolean;
  what: string;
  /** For a failed check: what to do. */
  fix?: string;
}

/**
 * A check's line: what and fix quote workspace and server text (the workspace's name, Intercom's error
 * message) and errors that may quote a URL, so both are shown printable with credentials masked; the
 * mark's colour is the only escape sequence written.
 */
export function formatCheckLine(line: CheckLine, color: boolean): string {
  const mark = line.ok ? (color ? '\x1b[32m✓\x1b[0m' : '✓') : color ? '\x1b[31m✗\x1b[0m' : '✗';
  const text = `${line.what}${line.ok || !line.fix ? '' : ` — ${line.fix}`}`;
  return `${mark} ${printable(redactCredentials(text))}`;
}

const reason = (err: unknown): string => (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ');

/**
 * The conversations line: with report.conversations on, one probe of POST /conversations/search (the
 * app's Read conversations permission, which a run needs from its first call); off, no call at all.
 */
async function checkConversations(api: IntercomApi, config: Readonly<Config>, host: string): Promise<CheckLine> {
  if (!config.report.conversations) return { ok: true, what: 'conversations: off (report.conversations: false), no cohort_conversations.csv' };
  try {
    await api.checkConversationsAccess();
    return { ok: true, what: 'conversations: the token may read conversations' };
  } catch (err) {
    if (err instanceof AuthenticationError) {
      return {
        ok: false,
        what: `conversations: the token may not read them (HTTP ${err.status ?? '?'}${err.intercomCode ? ` ${err.intercomCode}` : ''})`,
        fix: 'grant the app the Read conversations permission in the Intercom Developer Hub, or set report.conversations: false (no cohort_conversations.csv)',
      };
    }
    return { ok: false, what: `conversations: the search failed: ${reason(err)}`, fix: `a run would stop here too; check INTERCOM_BASE_URL (now ${host}) and the network` };
  }
}

export async function checkCommand(flags: ParsedFlags): Promise<number> {
  const terminal = resolveTerminal(flags, process.env);
  const { config, token } = loadConfigFromFlags(flags, false);
  const lines: CheckLine[] = [];
  const report = (line: CheckLine): void => {
    lines.push(line);
    process.stdout.write(`${formatCheckLine(line, terminal.color)}\n`);
  };

  const sandbox = flags.sandbox === true;
  const tokenWhat = sandbox ? 'token: the built-in sandbox workspace (--sandbox)' : `token: INTERCOM_TOKEN is set (${token?.length ?? 0} characters)`;
  if (!sandbox && token === null) report({ ok: false, what: 'token: INTERCOM_TOKEN is not set', fix: 'export INTERCOM_TOKEN=<access token of your Intercom app (Developer Hub)>' });

  if (sandbox || token !== null) {
    const workspace = await openWorkspace({ flags, config, envToken: token, log: (t) => createCliLogger(terminal, { level: 'silent', secrets: [t] }) });
    try {
      const host = new URL(workspace.baseUrl).host;
      let identified = false;
      let answered = false;
      try {
        // GET /me first: the workspace the token reads goes on the token line (what a deployment and an
        // output are bound to); a refusal here is the region line's failure, as for any first call.
        const me = await workspace.api.identifyWorkspace();
        identified = true;
        report({ ok: true, what: `${tokenWhat}, reads workspace ${describeWorkspace(me)}` });
        const segments = await workspace.api.listSegments();
        report({ ok: true, what: `region: ${host} answered with the token` });
        report({ ok: true, what: `API version: ${config.intercom.apiVersion} (sent as Intercom-Version) accepted` });
        const limit = workspace.lastFeedback()?.limit ?? null;
        const configured = config.rateLimit.allowancePerWindow;
        if (limit === null) report({ ok: true, what: `allowance: the API sent no X-RateLimit-Limit; using the configured ${configured} per ${config.rateLimit.windowSeconds} s` });
        else if (limit >= configured) report({ ok: true, what: `allowance: X-RateLimit-Limit ${limit}; configured ${configured} per window × share ${config.rateLimit.share}` });
        // A lower limit than configured is what runs adapt to (every process lowers its rate to it on
        // the first answer): information, not a failure.
        else
          report({
            ok: true,
            what: `allowance: X-RateLimit-Limit ${limit}, below the configured ${configured}: runs slow down to ${limit} per window × share ${config.rateLimit.share} (RATE_LIMIT_ALLOWANCE=${limit} says so from the start)`,
          });
        const tags = await workspace.api.listTags();
        const reported = await discoverCohorts(workspace.api, config.cohorts);
        report({
          ok: reported.length > 0,
          what: `cohorts: ${segments.length} segments and ${tags.length} tags visible, ${reported.length} reported after cohorts settings`,
          fix: 'check cohorts.segments/tags and the include/exclude patterns (cohort-reports cohorts lists them), or the token\'s read scopes',
        });
        answered = true;
      } catch (err) {
        if (err instanceof AuthenticationError && !identified) {
          // Refused at the first call: the token is set but not one this host takes. One ✗, not a ✓
          // for the token followed by a ✗ for the region: which of the two is wrong cannot be told.
          report({
            ok: false,
            what: `token: ${host} refused it (${reason(err)})`,
            fix: `check INTERCOM_TOKEN, and the region: a workspace in the EU or Australia needs INTERCOM_BASE_URL=eu or au (now ${host})`,
          });
        } else {
          if (!identified) report({ ok: true, what: tokenWhat });
          const fix = err instanceof AuthenticationError ? 'check the token\'s read scopes in the Developer Hub' : `check INTERCOM_BASE_URL (now ${host}) and the network`;
          report({ ok: false, what: `region: ${host} refused or failed: ${reason(err)}`, fix });
        }
      }
      // After a failed region line the probe would only fail again for the same reason: no second ✗.
      if (answered || !config.report.conversations) report(await checkConversations(workspace.api, config, host));
    } finally {
      await workspace.close();
    }
  }

  if (process.env.REDIS_URL !== undefined || flags.config !== undefined) {
    const redis = connectRedis(config.redis.url, 'bullmq-producer');
    try {
      await waitForRedis(redis, config.redis.url, REDIS_READY_TIMEOUT_MS);
      report({ ok: true, what: `Redis: ${new URL(config.redis.url).host} answered (workers, enqueue, status)` });
    } catch (err) {
      report({ ok: false, what: `Redis: ${reason(err)}`, fix: 'needed only by schedule, worker, enqueue and status; `run` works without it' });
    } finally {
      redis.disconnect();
    }
  } else {
    report({ ok: true, what: 'Redis: not configured (REDIS_URL unset); `run` needs none' });
  }

  if (isObjectStoreLocation(config.report.outDir)) report(await checkObjectStore(config.report.outDir));
  else checkDiskOutput(config.report.outDir, report);

  const failed = lines.filter((l) => !l.ok).length;
  process.stdout.write(failed === 0 ? 'all checks passed\n' : `${failed} check${failed === 1 ? '' : 's'} failed\n`);
  return failed === 0 ? 0 : 1;
}

/**
 * An s3:// output: the bucket answers, a probe object can be written and removed, and whether the
 * store honours conditional writes (what keeps two writers apart). The error says the fix itself.
 */
async function checkObjectStore(location: string): Promise<CheckLine> {
  const { createS3Output } = await import('../report-output/s3-output.js');
  let target: Awaited<ReturnType<typeof createS3Output>> | null = null;
  try {
    target = await createS3Output(location);
    const probe = await target.probe();
    const lock = probe.conditionalWrites
      ? 'it honours conditional writes (If-None-Match), which keep two writers apart'
      : 'it ignores conditional writes (If-None-Match): the output lock is best effort, so run one writer per output';
    return { ok: true, what: `output: ${printable(location)} is reachable and writable (a probe object was written and removed); ${lock}` };
  } catch (err) {
    return { ok: false, what: `output: ${reason(err)}` };
  } finally {
    await target?.close();
  }
}

function checkDiskOutput(outDir: string, report: (line: CheckLine) => void): void {
  const out = resolve(outDir);
  try {
    checkOutputFolder(out);
    accessSync(out);
    report({ ok: true, what: `output folder: ${out} is writable` });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') report({ ok: true, what: `output folder: ${out} will be created` });
    else report({ ok: false, what: `output folder: ${reason(err)}`, fix: 'choose a folder you can write to with --out (or COHORT_REPORTS_OUT)' });
  }
}
