import { UsageError } from './cli-errors.js';
import { intFlag, strFlag, type ParsedFlags } from './flags.js';
import { portFlag } from './port-flag.js';
import { untilStopSignal } from './on-stop-signal.js';
import { describeSandboxVariant, runSandboxServer, SandboxError, type SandboxVariant } from '../sandbox/index.js';

/** `cohort-reports sandbox`: serves the built-in workspace until SIGINT/SIGTERM and prints how to use it. */
export async function sandboxCommand(flags: ParsedFlags): Promise<number> {
  const port = portFlag(flags, 'port', 4010);
  const contacts = intFlag(flags, 'contacts', 5000, 1);
  const seed = intFlag(flags, 'seed', 1);
  const rateLimit = flags['rate-limit'] === undefined ? 1000 : intFlag(flags, 'rate-limit', 1000, 1);
  const optionalInt = (name: string): number | undefined => (flags[name] === undefined ? undefined : intFlag(flags, name, 1, 1));
  const overMax = strFlag(flags, 'events-over-max');
  if (overMax !== undefined && overMax !== 'clamp' && overMax !== '400') {
    throw new UsageError(`--events-over-max must be clamp or 400 (got ${JSON.stringify(overMax)})`);
  }
  const nextOrigin = strFlag(flags, 'next-origin');
  if (nextOrigin !== undefined && !/^https?:\/\/[^/?#]+\/?$/.test(nextOrigin)) {
    throw new UsageError(`--next-origin must be an origin such as https://api.intercom.io (got ${JSON.stringify(nextOrigin)})`);
  }
  const variant: SandboxVariant = {
    eventsPerPageDefault: optionalInt('events-default-page'),
    eventsPerPageMax: optionalInt('events-max-page'),
    eventsOverMax: overMax,
    segmentsPerPage: optionalInt('segment-page'),
    nextOrigin,
  };
  const sandbox = await runSandboxServer({ port, contacts, seed, rateLimit, variant }).catch((err: unknown) => {
    // The sandbox checks its options together (default <= max); on the command line that is bad usage.
    throw err instanceof SandboxError && err.code === 'SANDBOX_INVALID_OPTIONS' ? new UsageError(err.message) : err;
  });
  const segments = sandbox.workspace.segments.length;
  const tags = sandbox.workspace.tags.length;
  process.stdout.write(
    `Sandbox Intercom workspace listening on ${sandbox.url}\n` +
      `  ${contacts} contacts, ${segments} segments, ${tags} tags, seed ${seed}, ${rateLimit} requests per 10 s\n` +
      describeSandboxVariant(variant).map((line) => `  ${line}\n`).join('') +
      `Use it with:\n` +
      `  export INTERCOM_BASE_URL=${sandbox.url}\n` +
      `  export INTERCOM_TOKEN=${sandbox.token}\n` +
      `Press Ctrl-C to stop.\n`,
  );
  await untilStopSignal();
  await sandbox.close();
  return 0;
}
