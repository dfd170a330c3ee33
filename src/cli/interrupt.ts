/**
 * Turns SIGINT/SIGTERM/SIGHUP into an abort: the run stops Postgres, removes its temp dir and
 * writes a partial report. A second signal while that happens exits at once.
 */
export function abortOnSignals(onFirst: (signal: NodeJS.Signals) => void): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const names: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const handler = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      process.stderr.write(`\n${name} again: exiting without cleanup\n`);
      process.exit(130);
    }
    onFirst(name);
    controller.abort(new Error(`received ${name}`));
  };
  for (const name of names) process.on(name, handler);
  return {
    signal: controller.signal,
    dispose: () => {
      for (const name of names) process.off(name, handler);
    },
  };
}
