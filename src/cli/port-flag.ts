import { UsageError } from './cli-errors.js';
import { intFlag, type ParsedFlags } from './flags.js';

/** A TCP port flag (0: any free port, which the command then prints), or a UsageError naming the flag. */
export function portFlag(flags: ParsedFlags, name: string, fallback: number): number {
  const port = intFlag(flags, name, fallback, 0);
  if (port > 65_535) throw new UsageError(`--${name} must be a port number from 0 to 65535 (got ${port})`);
  return port;
}
