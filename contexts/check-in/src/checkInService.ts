import { startEventSourcedService, type RunningService } from '@waggle/event-sourced-service';
import type { Logger } from '@waggle/observability';
import { checkInRoutes } from './checkIn/checkInApi.ts';
import { bookingReactions, flightReactions } from './checkIn/checkInReactions.ts';
import { createCheckInRecords } from './checkIn/checkInRecords.ts';
import { createCheckInTimers } from './checkIn/checkInTimers.ts';
import type { CheckInConfig } from './config.ts';

/**
 * Starts the check-in service (context `checkin`: its schemas' namespace `waggle.checkin`): its reactions to
 * bookings and flights, the durable timers that open and close check-in, and its API.
 */
export const startCheckIn = async (config: CheckInConfig, logger: Logger): Promise<RunningService> => {
  let timers: ReturnType<typeof createCheckInTimers> | undefined;
  const { opensHoursBefore } = config;
  const service = await startEventSourcedService({
    settings: { name: 'checkin', ...config },
    logger,
    info: {
      title: 'waggle check-in',
      version: '1.0.0',
      description: 'Check-in: opens before departure for confirmed bookings, checks passengers in and issues boarding passes with a seat.',
    },
    routes: (deps) => checkInRoutes(deps, createCheckInRecords(deps.db), { opensHoursBefore }),
    reactions: (deps) => {
      const records = createCheckInRecords(deps.db);
      timers = createCheckInTimers(deps, records, { sweepEveryMs: config.sweepMs });
      return [
        bookingReactions(deps, records, { bookingsTopic: config.bookingsTopic, opensHoursBefore }),
        flightReactions(deps, records, { flightsTopic: config.flightsTopic, opensHoursBefore }),
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
