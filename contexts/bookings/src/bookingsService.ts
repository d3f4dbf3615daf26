import { hostname } from 'node:os';
import { startEventSourcedService, type RunningService } from '@waggle/event-sourced-service';
import type { Logger } from '@waggle/observability';
import { createTaskWorker, sagaTopics } from '@waggle/task-worker';
import { bookingRoutes } from './booking/bookingApi.ts';
import { bookingReactions } from './booking/bookingReactions.ts';
import { bookingTasks } from './booking/bookingTasks.ts';
import type { BookingsConfig } from './config.ts';

/**
 * Starts the bookings service: its command API, the worker of the booking tasks of the book-flight and
 * cancel-booking sagas (confirm, reject, cancel), and its reaction to seats flights gives back on its own.
 */
export const startBookings = async (config: BookingsConfig, logger: Logger): Promise<RunningService> => {
  const service = await startEventSourcedService({
    settings: { name: 'bookings', ...config },
    logger,
    info: {
      title: 'waggle bookings',
      version: '1.0.0',
      description:
        'Bookings: request and cancel bookings; the book-flight saga holds the seats, takes the payment and confirms or rejects.',
    },
    routes: (deps) => bookingRoutes(deps),
    reactions: (deps) => [bookingReactions(deps, { flightsTopic: config.flightsTopic })],
  });
  const worker = createTaskWorker({
    brokers: config.kafkaBrokers,
    serde: service.deps.serde,
    logger,
    // named after the service's topic, like its reactions' groups: group `bookings.events.tasks`
    name: config.topic,
    workerId: `bookings@${hostname()}:${process.pid}`,
    topics: sagaTopics(config.sagaTopicPrefix),
    handlers: bookingTasks(service.deps),
  });
  try {
    await worker.start();
  } catch (error) {
    await service.stop();
    throw error;
  }
  return {
    ...service,
    stop: async () => {
      await worker.stop();
      await service.stop();
    },
  };
};
