import { handleCommand } from '@waggle/event-store';
import type { ServiceDeps } from '@waggle/event-sourced-service';
import type { CheckInRecords, CheckInTimer } from './checkInRecords.ts';
import { flightCheckInDecider, type FlightCheckInCommand } from './flightCheckIn.ts';

export type CheckInTimers = {
  /** Fires every timer due now; resolves with how many fired. */
  readonly sweepOnce: () => Promise<number>;
  /**
   * A timer was set or timed in this process, due at `at`: looked at now, unless the sweep sleeps until an earlier
   * moment anyway (every sweep reads all pending timers: a wake per confirmed booking read them all each time).
   */
  readonly wake: (at?: string) => void;
  readonly start: () => void;
  readonly stop: () => Promise<void>;
};

/**
 * Fires the durable check-in timers: opens a booking's check-in at `opensAt`, closes it at departure. The timers
 * live in the database (set by the reactions, which commit their offsets only after), so a restart loses none. The
 * sweep runs on every instance and sleeps until the next due timer, woken when this process sets one, and looks
 * again at least every `recheckMs` for timers other instances set. Two instances firing one timer send one command
 * id (`open:<booking>`, `close:<booking>`), and the flight decides each opening and closing once; a crash between
 * the command and moving the timer on repeats the same command, which appends nothing.
 */
export const createCheckInTimers = (
  deps: Pick<ServiceDeps, 'store' | 'logger'>,
  records: CheckInRecords,
  options: { recheckMs: number },
): CheckInTimers => {
  let running = false;
  let loop: Promise<void> = Promise.resolve();
  let woken = false;
  let interrupt: () => void = () => undefined;
  /** When the current sleep ends (epoch ms); undefined while sweeping. */
  let sleepingUntil: number | undefined;

  const run = async (timer: CheckInTimer, command: FlightCheckInCommand, commandId: string, now: string): Promise<void> => {
    await handleCommand(deps.store, flightCheckInDecider, {
      streamId: timer.flightId,
      command,
      metadata: { commandId, correlationId: timer.bookingId, occurredAt: now },
    });
  };

  const fire = async (timer: CheckInTimer & { opensAt: string; closesAt: string }, now: string): Promise<void> => {
    const { bookingId, flightId, closesAt } = timer;
    if (timer.stage === 'open') {
      const passengers = (await records.booking(bookingId))?.passengers ?? [];
      await run(timer, { type: 'OpenCheckIn', flightId, bookingId, passengers, closesAt, now }, `open:${bookingId}`, now);
      await records.timerOpened(bookingId);
    } else {
      await run(timer, { type: 'CloseCheckIn', flightId, bookingId, reason: 'departed' }, `close:${bookingId}`, now);
      await records.closeBooking(bookingId);
    }
  };

  /**
   * Fires the due timers, all at once: the openings of one flight's bookings (often due together) are then decided
   * on one load of its stream and appended as one batch. A timer that fails stays for the next sweep and does not
   * hold up the others.
   */
  const sweep = async (): Promise<{ fired: number; failed: number }> => {
    const now = new Date().toISOString();
    const due = (await records.dueTimers(now, 100)).flatMap(({ opensAt, closesAt, ...timer }) =>
      opensAt === null || closesAt === null ? [] : [{ ...timer, opensAt, closesAt }],
    );
    const outcomes = await Promise.allSettled(due.map((timer) => fire(timer, now)));
    outcomes.forEach((outcome, i) => {
      if (outcome.status === 'fulfilled') return;
      const { bookingId, flightId, stage } = due[i]!;
      deps.logger.error(
        { err: outcome.reason as unknown, bookingId, flightId, stage },
        'check-in timer failed; it stays due and is fired again at the next sweep',
      );
    });
    const failed = outcomes.filter((o) => o.status === 'rejected').length;
    return { fired: outcomes.length - failed, failed };
  };

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (woken) {
        resolve();
        return;
      }
      const done = () => {
        clearTimeout(timeout);
        interrupt = () => undefined;
        sleepingUntil = undefined;
        resolve();
      };
      const timeout = setTimeout(done, ms);
      sleepingUntil = Date.now() + ms;
      interrupt = done;
    });

  /** How long to sleep: until the next due timer, at most `recheckMs`; a failed timer waits for the recheck. */
  const pause = async (failed: number): Promise<number> => {
    if (failed > 0) return options.recheckMs;
    const next = await records.nextDue();
    if (next === undefined) return options.recheckMs;
    return Math.max(0, Math.min(options.recheckMs, Date.parse(next) - Date.now()));
  };

  return {
    sweepOnce: async () => (await sweep()).fired,
    wake: (at) => {
      if (at !== undefined && sleepingUntil !== undefined && Date.parse(at) >= sleepingUntil) return;
      woken = true;
      interrupt();
    },
    start: () => {
      running = true;
      loop = (async () => {
        while (running) {
          let wait = options.recheckMs;
          try {
            woken = false;
            wait = await pause((await sweep()).failed);
          } catch (error) {
            deps.logger.error({ err: error }, 'check-in timer sweep failed (database?); looking again at the next recheck');
          }
          if (running) await sleep(wait);
        }
      })();
    },
    stop: async () => {
      running = false;
      interrupt();
      await loop;
    },
  };
};
