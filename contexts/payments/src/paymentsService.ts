import { hostname } from 'node:os';
import { startEventSourcedService, type RunningService } from '@waggle/event-sourced-service';
import type { Logger } from '@waggle/observability';
import { createTaskWorker, sagaTopics } from '@waggle/task-worker';
import type { PaymentsConfig } from './config.ts';
import { createFakeGateway } from './payment/fakeGateway.ts';
import { paymentRoutes } from './payment/paymentApi.ts';
import { paymentTasks } from './payment/paymentTasks.ts';

/** Starts the payments service: its API (a payment's state, the gateway switch) and the worker of its saga tasks. */
export const startPayments = async (config: PaymentsConfig, logger: Logger): Promise<RunningService> => {
  let gateway: ReturnType<typeof createFakeGateway> | undefined;
  const gatewayOf = (db: Parameters<typeof createFakeGateway>[0]['db']) =>
    (gateway ??= createFakeGateway({ db, latencyMs: config.gatewayLatencyMs, customerLimitCents: config.customerLimitCents }));
  const service = await startEventSourcedService({
    settings: { name: 'payments', ...config },
    logger,
    info: {
      title: 'waggle payments',
      version: '1.0.0',
      description: "Payments: a booking's payment authorized, captured, voided or refunded through a deterministic fake gateway.",
    },
    routes: (deps) => paymentRoutes(deps, gatewayOf(deps.db)),
  });
  const worker = createTaskWorker({
    brokers: config.kafkaBrokers,
    serde: service.deps.serde,
    logger,
    // named after the service's topic, like its reactions' groups: group `payments.events.tasks`
    name: config.topic,
    workerId: `payments@${hostname()}:${process.pid}`,
    topics: sagaTopics(config.sagaTopicPrefix),
    handlers: paymentTasks(service.deps, gatewayOf(service.deps.db)),
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
