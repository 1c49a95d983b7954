/**
 * Whether an `Accept` header admits a JSON answer: `application/json`, `application/*` or `*\/*`
 * with a non-zero q. An absent or empty header admits JSON (Intercom appears to default to it).
 *
 * @example
 * acceptsJson('text/html, application/*;q=0.5'); // true
 * acceptsJson('application/json;q=0'); // false
 */
export function acceptsJson(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  return accept.split(',').some((range) => {
    const [type = '', ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    if (type !== 'application/json' && type !== 'application/*' && type !== '*/*') return false;
    const q = params.find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}
