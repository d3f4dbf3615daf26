import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { handleCommand } from '@waggle/event-store';
import type { ServiceDeps } from '@waggle/event-sourced-service';
import type { CheckInRecords } from './checkInRecords.ts';
import { flightCheckInDecider } from './flightCheckIn.ts';

/**
 * Fires the durable check-in timers: opens a booking's check-in at `opensAt`, closes it at departure. The timers
 * live in the database (set by the reactions, which commit their offsets only after), so a restart loses none; the
 * sweep looks for due ones every `sweepEveryMs`, on every instance. Two instances firing one timer send one
 * command id (`open:<booking>`, `close:<booking>`), and the flight decides each opening and closing once.
 * The same shape as flights' hold expiry: a timer row per pending deadline, a sweep, commands with stable ids.
 */
export const createCheckInTimers = (deps: ServiceDeps, records: CheckInRecords, options: { sweepEveryMs: number }) => {
  let running = false;
  let sweeping: Promise<void> = Promise.resolve();

  const sweepOnce = async (): Promise<number> => {
    const now = new Date().toISOString();
    const due = await records.dueTimers(now, 100);
    for (const timer of due) {
      if (timer.opensAt === null || timer.closesAt === null) continue;
      const metadata = { correlationId: timer.bookingId, causationId: randomUUID(), occurredAt: now };
      if (timer.stage === 'open') {
        const booking = await records.booking(timer.bookingId);
        await handleCommand(deps.store, flightCheckInDecider, {
          streamId: timer.flightId,
          command: {
            type: 'OpenCheckIn',
            flightId: timer.flightId,
            bookingId: timer.bookingId,
            passengers: booking?.passengers ?? [],
            closesAt: timer.closesAt,
            now,
          },
          metadata: { ...metadata, commandId: `open:${timer.bookingId}` },
        });
        await records.timerOpened(timer.bookingId);
      } else {
        await handleCommand(deps.store, flightCheckInDecider, {
          streamId: timer.flightId,
          command: { type: 'CloseCheckIn', flightId: timer.flightId, bookingId: timer.bookingId, reason: 'departed' },
          metadata: { ...metadata, commandId: `close:${timer.bookingId}` },
        });
        await records.removeTimer(timer.bookingId);
      }
    }
    if (due.length > 0) deps.appended();
    return due.length;
  };

  return {
    sweepOnce,
    start: () => {
      running = true;
      sweeping = (async () => {
        while (running) {
          try {
            await sweepOnce();
          } catch (error) {
            deps.logger.error({ err: error }, 'check-in timer sweep failed; retrying');
          }
          await delay(options.sweepEveryMs);
        }
      })();
    },
    stop: async () => {
      running = false;
      await sweeping;
    },
  };
};
