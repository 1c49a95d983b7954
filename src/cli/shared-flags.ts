import { UsageError } from './cli-errors.js';
import { loadConfig, type LoadedConfig } from '../config.js';
import { listFlag, strFlag, type ParsedFlags } from './flags.js';

/** --month M, or --from M1 --to M2: exactly one of the two forms. */
export function monthArgs(flags: ParsedFlags): { from: string; to?: string } {
  const month = flags.month;
  const from = flags.from;
  const to = flags.to;
  if (typeof month === 'string') {
    if (from !== undefined || to !== undefined) throw new UsageError('give either --month or --from/--to, not both');
    return { from: month };
  }
  if (typeof from === 'string' && typeof to === 'string') return { from, to };
  if (from !== undefined || to !== undefined) throw new UsageError('--from and --to go together (e.g. --from 2026-08 --to 2026-10)');
  throw new UsageError('which month? give --month YYYY-MM (e.g. --month 2026-10) or --from YYYY-MM --to YYYY-MM');
}

/** Flags that override configuration fields, as field path → value. */
export function configFlags(flags: ParsedFlags): Record<string, string | string[] | undefined> {
  const select = listFlag(flags, 'select');
  return {
    'report.outDir': strFlag(flags, 'out'),
    // --format csv,parquet: the same list report.formats takes, validated with it.
    'report.formats': strFlag(flags, 'format')?.split(',').map((f) => f.trim()),
    'report.timezone': strFlag(flags, 'timezone'),
    // --quiet shows warnings and errors only, unless a level is asked for.
    'log.level': strFlag(flags, 'log-level') ?? (flags.quiet === true ? 'warn' : undefined),
    'cohorts.include': select.length > 0 ? select : undefined,
  };
}

/** The configuration as every command loads it: defaults ← --config ← environment ← flags. */
export function loadConfigFromFlags(flags: ParsedFlags, requireToken: boolean): LoadedConfig {
  const loaded = loadConfig({
    configFile: strFlag(flags, 'config'),
    env: process.env,
    flags: configFlags(flags),
    requireToken,
  });
  const exclude = listFlag(flags, 'exclude');
  if (exclude.length === 0) return loaded;
  // --exclude adds to the configured exclusions rather than replacing them: a configured test cohort stays out.
  const { config } = loaded;
  return { ...loaded, config: Object.freeze({ ...config, cohorts: Object.freeze({ ...config.cohorts, exclude: [...config.cohorts.exclude, ...exclude] }) }) };
}
