/**
 * The IANA zone a mistyped one most likely meant ("Europe/Berln" → "Europe/Berlin"), or null when
 * none is close: a case-insensitive match first, then the zone fewest edits away (at most a third of
 * the name, and at most 3), ties broken by Intl's order. Intl's own list is the dictionary.
 */
export function suggestTimeZone(zone: string): string | null {
  const zones = Intl.supportedValuesOf('timeZone');
  const lower = zone.toLowerCase();
  const same = zones.find((z) => z.toLowerCase() === lower);
  if (same !== undefined) return same;
  const limit = Math.min(3, Math.floor(zone.length / 3));
  let best: string | null = null;
  let bestDistance = limit + 1;
  for (const candidate of zones) {
    if (Math.abs(candidate.length - zone.length) >= bestDistance) continue;
    const d = editDistance(lower, candidate.toLowerCase(), bestDistance);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance, or `cap` as soon as it is certain to be at least that. */
function editDistance(a: string, b: string, cap: number): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + cost);
      row.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin >= cap) return cap;
    previous = row;
  }
  return previous[b.length]!;
}
