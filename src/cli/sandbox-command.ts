import { intFlag, type ParsedFlags } from './flags.js';
import { portFlag } from './port-flag.js';
import { untilStopSignal } from './until-stop-signal.js';
import { runSandboxServer } from '../sandbox/index.js';

/** `cohort-reports sandbox`: serves the built-in workspace until SIGINT/SIGTERM and prints how to use it. */
export async function sandboxCommand(flags: ParsedFlags): Promise<number> {
  const port = portFlag(flags, 'port', 4010);
  const contacts = intFlag(flags, 'contacts', 5000, 1);
  const seed = intFlag(flags, 'seed', 1);
  const rateLimit = flags['rate-limit'] === undefined ? 1000 : intFlag(flags, 'rate-limit', 1000, 1);
  const sandbox = await runSandboxServer({ port, contacts, seed, rateLimit });
  const segments = sandbox.workspace.segments.length;
  const tags = sandbox.workspace.tags.length;
  process.stdout.write(
    `Sandbox Intercom workspace listening on ${sandbox.url}\n` +
      `  ${contacts} contacts, ${segments} segments, ${tags} tags, seed ${seed}, ${rateLimit} requests per 10 s\n` +
      `Use it with:\n` +
      `  export INTERCOM_BASE_URL=${sandbox.url}\n` +
      `  export INTERCOM_TOKEN=${sandbox.token}\n` +
      `Press Ctrl-C to stop.\n`,
  );
  await untilStopSignal();
  await sandbox.close();
  return 0;
}
