/**
 * `name{labels}` → value, from the Prometheus text format; throws on any line that is not in it.
 * NaN in any letter case, as Prometheus reads it (prom-client writes `Nan`, e.g. for the event-loop
 * lag before its first sample).
 */
export function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (/^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$/.test(line)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})?) (-?[0-9.eE+-]+|[Nn][Aa][Nn]|[+-]Inf)$/.exec(line);
    if (!m) throw new Error(`not Prometheus text format: ${JSON.stringify(line)}`);
    samples.set(m[1]!, Number(m[2]));
  }
  return samples;
}

/** The sum of every sample of metric `name` whose label set passes `labelFilter`. */
export function sumOf(samples: Map<string, number>, name: string, labelFilter: (labels: string) => boolean = () => true): number {
  let total = 0;
  for (const [key, value] of samples) {
    const m = /^([^{]+)(\{.*\})?$/.exec(key)!;
    if (m[1] === name && labelFilter(m[2] ?? '')) total += value;
  }
  return total;
}
