import { consoleLogger, type Logger } from './logger.ts';

/** Anything with an orderly shutdown: consumers, producers, HTTP servers wrapped in one. */
export type Closeable = { readonly stop: () => Promise<void> };

/**
 * On the first SIGTERM or SIGINT, stops `closeables` one after the other in the given order (consumers before the
 * producers they use), then exits with 0, or 1 if a stop failed; a second signal exits at once with 1. Pass
 * `exit: false` to only stop. Returns a function that removes the signal handlers.
 */
export const stopOnSignals = (
  closeables: readonly Closeable[],
  options: { logger?: Logger; exit?: boolean; signals?: readonly NodeJS.Signals[] } = {},
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

  for (const signal of signals) process.on(signal, onSignal);
  return () => {
    for (const signal of signals) process.off(signal, onSignal);
  };
};
