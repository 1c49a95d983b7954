import type { CohortFilter } from '../pipeline/discover-cohorts.js';
import { quoted } from '../shared/printable.js';

/**
 * The cohort selection in words, for a line that says what matched nothing:
 * `include "VIP*"; exclude "*test*"; segments and tags`. Patterns come from flags or a config file and
 * are shown quoted, so an odd character stays visible.
 */
export function describeSelection(filter: CohortFilter): string {
  const kinds = filter.segments && filter.tags ? 'segments and tags' : filter.segments ? 'segments only' : filter.tags ? 'tags only' : 'neither segments nor tags';
  return [
    filter.include.length > 0 ? `include ${filter.include.map(quoted).join(', ')}` : '',
    filter.exclude.length > 0 ? `exclude ${filter.exclude.map(quoted).join(', ')}` : '',
    kinds,
  ]
    .filter(Boolean)
    .join('; ');
}
