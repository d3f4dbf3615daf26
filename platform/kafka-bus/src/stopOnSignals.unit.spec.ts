import { describe, expect, it } from 'vitest';
import { stopOnSignals } from './stopOnSignals.ts';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('stopOnSignals', () => {
  it('stops the closeables one after the other, in order, on SIGTERM, even when one fails', async () => {
    const stopped: string[] = [];
    let bothStopped: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (bothStopped = resolve));
    const closeable = (name: string, fail = false) => ({
      stop: async () => {
        await new Promise((resolve) => setImmediate(resolve));
        stopped.push(name);
        if (stopped.length === 2) bothStopped();
        if (fail) throw new Error(`${name} failed`);
      },
    });
    const remove = stopOnSignals([closeable('consumer', true), closeable('producer')], {
      exit: false,
      logger: quiet,
      signals: ['SIGUSR2'],
    });
    try {
      process.emit('SIGUSR2', 'SIGUSR2');
      await done;
      expect(stopped).toEqual(['consumer', 'producer']);
    } finally {
      remove();
    }
  });
});
