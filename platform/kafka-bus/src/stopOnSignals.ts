import { consoleLogger, type Logger } from './logger.ts';

/** Anything with an orderly shutdown: consumers, producers, HTTP servers wrapped in one. */
export type Closeable = { readonly stop: () => Promise<void> };

/**
 * On the first SIGTERM or SIGINT, stops `closeables` one after the other in the given order (consumers before the
 * producers they use), then exits with 0, or 1 if a stop failed; a second signal exits at once with 1. Pass
 * `exit: false` to only stop. A process started with an IPC channel (by `waggle start`) ends at once when its parent
 * goes away, so a killed launcher leaves no orphans. Returns a function that removes the handlers.
 */
export const stopOnSignals = (
  closeables: readonly Closeable[],
  options: { logger?: Logger; exit?: boolean; signals?: readonly NodeJS.Signals[]; deadlineMs?: number } = {},
): (() => void) => {
  const logger = options.logger ?? consoleLogger;
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  let stopping = false;

  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn(`${signal} again while stopping, exiting now`);
      process.exit(1);
    }
    stopping = true;
    logger.info(`${signal}: stopping ${closeables.length} component(s)`);
    if (options.exit !== false) {
      // a stop that hangs (a broker or database gone silent) must not leave the process behind
      setTimeout(() => {
        logger.error(`still stopping after ${options.deadlineMs ?? 20_000} ms, killing the process`);
        process.kill(process.pid, 'SIGKILL');
      }, options.deadlineMs ?? 20_000).unref();
    }
    void (async () => {
      let failed = false;
      for (const closeable of closeables) {
        try {
          await closeable.stop();
        } catch (error) {
          failed = true;
          logger.error('stop failed during shutdown', { error });
        }
      }
      if (options.exit !== false) process.exit(failed ? 1 : 0);
    })();
  };

  // the parent held the other end of our stdout: with nobody reading, a logger blocks the main thread on its next
  // write, so a graceful stop could hang; at-least-once delivery makes an abrupt end safe (uncommitted work repeats)
  const onParentGone = (): void => {
    process.kill(process.pid, 'SIGKILL');
  };
  for (const signal of signals) process.on(signal, onSignal);
  if (process.connected) process.once('disconnect', onParentGone);
  return () => {
    for (const signal of signals) process.off(signal, onSignal);
    process.off('disconnect', onParentGone);
  };
};
