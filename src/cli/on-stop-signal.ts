/**
 * Calls `onStop` on the first SIGINT (Ctrl-C) or SIGTERM (a supervisor stopping the service), once;
 * after that both listeners are gone, so a second Ctrl-C ends the process the default way. Returns the
 * function that removes the listeners when the command ends without a signal.
 */
export function onStopSignal(onStop: (signal: NodeJS.Signals) => void): () => void {
  const stop = (signal: NodeJS.Signals): void => {
    dispose();
    onStop(signal);
  };
  const dispose = (): void => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return dispose;
}

/** Resolves on the first SIGINT or SIGTERM, for the commands that serve until stopped. */
export function untilStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => onStopSignal(resolve));
}
