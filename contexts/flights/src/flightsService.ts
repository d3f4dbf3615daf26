import { hostname } from 'node:os';
import { startEventSourcedService, type RunningService } from '@waggle/event-sourced-service';
import type { Logger } from '@waggle/observability';
import { createTaskWorker, sagaTopics } from '@waggle/task-worker';
import type { FlightsConfig } from './config.ts';
import { flightRoutes } from './flight/flightApi.ts';
import { flightTasks } from './flight/flightTasks.ts';
import { createHoldExpiry } from './flight/holdExpiry.ts';

/**
 * Starts the flights service: its command API, seat-hold expiry, and the worker of the seat tasks of the book-flight
 * and cancel-booking sagas (hold, sell, give back a booking's seats). Flights never hears of bookings otherwise.
 */
export const startFlights = async (config: FlightsConfig, logger: Logger): Promise<RunningService> => {
  let expiry: ReturnType<typeof createHoldExpiry> | undefined;
  const service = await startEventSourcedService({
    settings: { name: 'flights', ...config },
    logger,
    info: { title: 'waggle flights', version: '1.0.0', description: 'Flights: schedule flights, hold, confirm and release seats.' },
    routes: (deps) => flightRoutes(deps, { holdTtlSeconds: config.holdTtlSeconds }),
    reactions: (deps) => {
      expiry = createHoldExpiry(deps, { flightsTopic: config.topic, sweepEveryMs: config.holdSweepMs });
      return [expiry.reaction];
    },
  });
  const worker = createTaskWorker({
    brokers: config.kafkaBrokers,
    serde: service.deps.serde,
    logger,
    // named after the service's topic, like its reactions' groups: group `flights.events.tasks`
    name: config.topic,
    workerId: `flights@${hostname()}:${process.pid}`,
    topics: sagaTopics(config.sagaTopicPrefix),
    handlers: flightTasks(service.deps),
  });
  try {
    await worker.start();
  } catch (error) {
    await service.stop();
    throw error;
  }
  expiry?.start();
  return {
    ...service,
    stop: async () => {
      await expiry?.stop();
      await worker.stop();
      await service.stop();
    },
  };
};
