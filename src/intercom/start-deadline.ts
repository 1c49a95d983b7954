/**
 * One bounded wait: a signal that aborts when the caller's signal aborts or the time is up, and the
 * way to tell the two apart. Built by hand rather than with AbortSignal.any/timeout, whose listeners on
 * a long-lived caller signal and pending timers would pile up over a run of many calls.
 */
export interface Deadline {
  /** Aborts when the caller's signal aborts or the time is up. */
  signal: AbortSignal;
  /** True when the time ran out (not the caller). */
  expired(): boolean;
  dispose(): void;
}

/**
 * @example
 * const deadline = startDeadline(req.signal, 30_000);
 * try { await request(url, { signal: deadline.signal }); } finally { deadline.dispose(); }
 */
export function startDeadline(parent: AbortSignal | undefined, timeoutMs: number): Deadline {
  const controller = new AbortController();
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    controller.abort(new Error(`deadline of ${timeoutMs} ms passed`));
  }, timeoutMs);
  const onParentAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) onParentAbort();
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  return {
    signal: controller.signal,
    expired: () => expired,
    dispose() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}

/** Rejects as soon as `signal` aborts, even if `promise` never settles (a limiter that ignores the signal). */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
