/**
 * Settles with `work`, or with `onTimeout()` once `timeoutMs` have passed first — the one way this
 * project bounds a wait on something that takes no AbortSignal (closing a queue, a worker or an
 * agent, a Redis command in a client's offline queue). `onTimeout` may throw, to turn the timeout into
 * an error. `work` is not cancelled: the caller stops waiting for it, and a late rejection is ignored.
 * The timer is cleared as soon as either side settles and never keeps the process alive.
 *
 * @example
 * const stuck = await withTimeout(agent.close().then(() => false), 5_000, () => true);
 */
export async function withTimeout<T, F>(work: Promise<T>, timeoutMs: number, onTimeout: () => F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<F>((resolve, reject) => {
    timer = setTimeout(() => {
      try {
        resolve(onTimeout());
      } catch (err) {
        reject(err);
      }
    }, timeoutMs);
    timer.unref();
  });
  work.catch(() => {});
  try {
    return await Promise.race([work, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
