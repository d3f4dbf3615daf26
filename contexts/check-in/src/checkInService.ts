import { startEventSourcedService, type RunningService } from '@waggle/event-sourced-service';
import type { Logger } from '@waggle/observability';
import { checkInRoutes } from './checkIn/checkInApi.ts';
import { bookingReactions, flightReactions } from './checkIn/checkInReactions.ts';
import { createCheckInRecords } from './checkIn/checkInRecords.ts';
import { createCheckInTimers, type CheckInTimers } from './checkIn/checkInTimers.ts';
import type { CheckInConfig } from './config.ts';

/**
 * Starts the check-in service (context `checkin`: its schemas' namespace `waggle.checkin`): its reactions to
 * bookings and flights (choreography only), the durable timers that open and close check-in, and its API. Stopping
 * it stops the timers first, so no timer fires into a store being closed.
 */
export const startCheckIn = async (config: CheckInConfig, logger: Logger): Promise<RunningService> => {
  let timers: CheckInTimers | undefined;
  const { opensBeforeSeconds } = config;
  const service = await startEventSourcedService({
    settings: { name: 'checkin', ...config },
    logger,
    info: {
      title: 'waggle check-in',
      version: '1.0.0',
      description: 'Check-in: opens before departure for confirmed bookings, checks passengers in and issues boarding passes with a seat.',
    },
    routes: (deps) => checkInRoutes(deps, createCheckInRecords(deps.db), { opensBeforeSeconds }),
    reactions: (deps) => {
      const records = createCheckInRecords(deps.db);
      const created = createCheckInTimers(deps, records, { recheckMs: config.timerRecheckMs });
      timers = created;
      return [
        bookingReactions(deps, records, created, { bookingsTopic: config.bookingsTopic, opensBeforeSeconds }),
        flightReactions(deps, records, created, { flightsTopic: config.flightsTopic, opensBeforeSeconds }),
      ];
    },
  });
  timers?.start();
  return {
    ...service,
    stop: async () => {
      await timers?.stop();
      await service.stop();
    },
  };
};
