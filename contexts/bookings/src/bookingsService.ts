import { startEventSourcedService, type RunningService } from '@waggle/event-sourced-service';
import type { Logger } from '@waggle/observability';
import { bookingRoutes } from './booking/bookingApi.ts';
import { bookingReactions } from './booking/bookingReactions.ts';
import type { BookingsConfig } from './config.ts';

/** Starts the bookings service: its command API and its reactions to flights. */
export const startBookings = (config: BookingsConfig, logger: Logger): Promise<RunningService> =>
  startEventSourcedService({
    settings: { name: 'bookings', ...config },
    logger,
    info: { title: 'waggle bookings', version: '1.0.0', description: 'Bookings: request and cancel bookings; outcomes come from flights.' },
    routes: (deps) => bookingRoutes(deps),
    reactions: (deps) => [bookingReactions(deps, { flightsTopic: config.flightsTopic })],
  });
