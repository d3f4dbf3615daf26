import { setTimeout as delay } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { handleCommand } from '@waggle/event-store';
import { decodeEvent, type Reaction, type ServiceDeps } from '@waggle/event-sourced-service';
import { flightsFullNames, type FlightsEvent } from '@waggle/schemas';
import { flightDecider } from './flight.ts';
import { createHoldTimerStore } from './holdTimerStore.ts';

/**
 * Seat holds with a deadline expire: timers are kept from flights' own events (SeatsHeld with an `expiresAt` sets
 * one, SeatsConfirmed and SeatHoldReleased clear it), so a timer exists for every such open hold even if the
 * service crashed right after appending; a sweep releases the due ones. A booking's hold has no deadline, so no
 * timer: the sweep cannot beat the booking's confirmation still in the backlog. Several instances may sweep: the
 * release command id is per hold, and the decider re-checks the deadline against the sweep's time.
 */
export const createHoldExpiry = (deps: ServiceDeps, options: { flightsTopic: string; sweepEveryMs: number }) => {
  const timers = createHoldTimerStore(deps.db);
  let running = false;
  let sweeping: Promise<void> = Promise.resolve();

  const reaction: Reaction = {
    name: 'hold-timers',
    topics: [options.flightsTopic],
    handle: async (incoming) => {
      const event = decodeEvent<FlightsEvent>(deps.serde, flightsFullNames, incoming);
      switch (event?.type) {
        case 'SeatsHeld': {
          const { holdId, flightId, expiresAt } = event.data;
          if (expiresAt !== null && expiresAt !== undefined) await timers.set({ holdId, flightId, expiresAt });
          return;
        }
        case 'SeatsConfirmed':
        case 'SeatHoldReleased':
          await timers.clear(event.data.holdId);
          return;
        case 'FlightScheduled':
        case 'SeatsUnavailable':
        case 'FlightCancelled':
        case undefined:
          return;
      }
    },
  };

  const sweepOnce = async (): Promise<number> => {
    const now = new Date().toISOString();
    const due = await timers.due(now, 100);
    for (const timer of due) {
      await handleCommand(deps.store, flightDecider, {
        streamId: timer.flightId,
        command: { type: 'ExpireHold', flightId: timer.flightId, holdId: timer.holdId, now },
        metadata: { commandId: `expire:${timer.holdId}`, correlationId: randomUUID(), occurredAt: now },
      });
      // the SeatHoldReleased event clears the timer too; clearing here keeps the next sweep from retrying
      await timers.clear(timer.holdId);
    }
    return due.length;
  };

  return {
    reaction,
    start: () => {
      running = true;
      sweeping = (async () => {
        while (running) {
          try {
            await sweepOnce();
          } catch (error) {
            deps.logger.error({ err: error }, 'hold expiry sweep failed; retrying');
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
