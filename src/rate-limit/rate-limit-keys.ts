/**
 * The Redis keys of one bucket and its pause channel. The keys share one hash tag, so on a Redis
 * Cluster they live in one slot, as a script touching several keys requires.
 *
 * @example rateLimitKeys('cohort-reports', 'intercom').keys[0] // 'cohort-reports:rate-limit:{intercom}:bucket'
 */
export function rateLimitKeys(keyPrefix: string, bucketName: string): { keys: [string, string, string]; channel: string } {
  const base = `${keyPrefix}:rate-limit:{${bucketName}}`;
  return { keys: [`${base}:bucket`, `${base}:pause`, `${base}:limit`], channel: `${base}:pauses` };
}
