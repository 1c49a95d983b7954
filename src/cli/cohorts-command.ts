/**
 * `cohort-reports cohorts`: the cohorts a run would report, after cohorts.segments/tags and the
 * include/exclude patterns (--select/--exclude): type, id, name and the count Intercom reports. A
 * selection that keeps none says "no cohort matches" and exits 0 (`--json`: `[]`).
 */
import type { Cohort } from '../intercom/types.js';
import { describeCohortFilter, discoverCohorts } from '../pipeline/discover-cohorts.js';
import { escapeJsonText, printable } from '../shared/printable.js';
import { createCliLogger } from './create-cli-logger.js';
import type { ParsedFlags } from './flags.js';
import { openWorkspace } from './open-workspace.js';
import { loadConfigFromFlags } from './shared-flags.js';
import { resolveTerminal } from './terminal.js';

/**
 * The cohorts as aligned columns, for a terminal. Ids and names are the workspace's text: each cell is
 * shown printable (an escape sequence in a tag name appears as `\x1b…`, never obeyed), and aligned as shown.
 */
export function formatCohortTable(cohorts: readonly Cohort[]): string[] {
  const rows = cohorts.map((c) => [c.type, printable(c.id), printable(c.name), c.memberCountReported === null ? '–' : String(c.memberCountReported)]);
  const header = ['type', 'id', 'name', 'count'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => [...r[i]!].length)));
  const line = (r: string[]): string => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)];
}

export async function cohortsCommand(flags: ParsedFlags): Promise<number> {
  const terminal = resolveTerminal(flags, process.env);
  const { config, token } = loadConfigFromFlags(flags, flags.sandbox !== true);
  const workspace = await openWorkspace({ flags, config, envToken: token, log: (t) => createCliLogger(terminal, { level: config.log.level, secrets: [t] }) });
  try {
    const cohorts = await discoverCohorts(workspace.api, config.cohorts);
    if (flags.json === true) {
      process.stdout.write(`${escapeJsonText(JSON.stringify(cohorts.map((c) => ({ type: c.type, id: c.id, name: c.name, count: c.memberCountReported })), null, 2))}\n`);
      return 0;
    }
    // Not an error here: listing is how a selection is tried out. `run`, `enqueue` and `schedule` refuse it.
    if (cohorts.length === 0) {
      process.stdout.write(`no cohort matches the selection (${describeCohortFilter(config.cohorts)}): a run with it would be refused\n`);
      return 0;
    }
    for (const line of formatCohortTable(cohorts)) process.stdout.write(`${line}\n`);
    const { include, exclude } = config.cohorts;
    const filter = [include.length > 0 ? `include ${include.join(', ')}` : '', exclude.length > 0 ? `exclude ${exclude.join(', ')}` : ''].filter(Boolean).join('; ');
    process.stdout.write(`${cohorts.length} cohort${cohorts.length === 1 ? '' : 's'}${filter ? ` (${printable(filter)})` : ''}\n`);
    // Intercom counts a segment's members (GET /segments?include_count=true) but never a tag's.
    if (cohorts.some((c) => c.memberCountReported === null)) {
      process.stdout.write('– : Intercom reports no member count for tags; a run counts their members as it lists them\n');
    }
    return 0;
  } finally {
    await workspace.close();
  }
}
