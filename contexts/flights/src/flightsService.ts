import { startEventSourcedService, type RunningService } from '@waggle/event-sourced-service';
import type { Logger } from '@waggle/observability';
import type { FlightsConfig } from './config.ts';
import { flightRoutes } from './flight/flightApi.ts';
import { flightReactions } from './flight/flightReactions.ts';
import { createHoldExpiry } from './flight/holdExpiry.ts';

/** Starts the flights service: its command API, its reactions to bookings, and seat-hold expiry. */
export const startFlights = async (config: FlightsConfig, logger: Logger): Promise<RunningService> => {
  let expiry: ReturnType<typeof createHoldExpiry> | undefined;
  const service = await startEventSourcedService({
    settings: { name: 'flights', ...config },
    logger,
    info: { title: 'waggle flights', version: '1.0.0', description: 'Flights: schedule flights, hold, confirm and release seats.' },
    routes: (deps) => flightRoutes(deps, { holdTtlSeconds: config.holdTtlSeconds }),
    reactions: (deps) => {
      expiry = createHoldExpiry(deps, { flightsTopic: config.topic, sweepEveryMs: config.holdSweepMs });
      return [flightReactions(deps, { bookingsTopic: config.bookingsTopic }), expiry.reaction];
    },
  });
  expiry?.start();
  return {
    ...service,
    stop: async () => {
      await expiry?.stop();
      await service.stop();
    },
  };
};
