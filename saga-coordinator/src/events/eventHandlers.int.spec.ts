import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createProducer, toEventHeaders } from '@waggle/kafka-bus';
import { loadSchemas } from '@waggle/schemas';
import { createAvroSerde } from '@waggle/serde';
import { uniqueName, waitFor } from '@waggle/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningCoordinator } from '../service/startCoordinator.ts';
import { conductorClient } from '../service/testing/conductorClient.ts';
import { startTestCoordinator, testCoordinatorConfig } from '../service/testing/startTestCoordinator.ts';

const stack = inject('stack');
const run = uniqueName('events');
const topic = `${run}.bookings.events`;
const names = { prefix: run, database: run };
const env = {
  SAGA_WORKFLOWS_DIR: fileURLToPath(new URL('../../workflows/', import.meta.url)),
  BOOKINGS_TOPIC: topic,
};
let coordinator: RunningCoordinator;
const { api } = conductorClient(() => coordinator.url);
const serde = createAvroSerde({ registryUrl: stack.schemaRegistryUrl, schemas: loadSchemas() });
const producer = createProducer({ brokers: [stack.kafkaBrokers], clientId: `${run}-producer` });

// polled over HTTP only: nothing answers it, so a started execution stays RUNNING for the test to look at
const taskType = `${run}_noted`.replace(/-/g, '_');
const workflowName = `${run}_on_rejection`.replace(/-/g, '_');
const handler = {
  name: `${run}-rejections`,
  event: `kafka:${topic}`,
  condition: "$.type == 'waggle.bookings.BookingRejected' && $.data.reason != 'ignore me'",
  evaluatorType: 'javascript',
  actions: [
    {
      action: 'start_workflow',
      start_workflow: {
        name: workflowName,
        correlationId: '${data.bookingId}',
        idempotencyKey: '${data.bookingId}',
        idempotencyStrategy: 'RETURN_EXISTING',
        input: { bookingId: '${data.bookingId}', why: '${data.reason}', eventType: '${type}' },
      },
    },
  ],
  active: true,
};

const publish = async (type: string, data: Record<string, unknown>, id = randomUUID()) => {
  const fullName = `waggle.bookings.${type}`;
  const value = await serde.encode(topic, fullName, data);
  const headers = toEventHeaders({
    id,
    type: fullName,
    source: '/waggle/bookings',
    time: new Date().toISOString(),
    subject: String(data['bookingId']),
    correlationId: id,
    causationId: id,
  });
  await producer.send([{ topic, key: String(data['bookingId']), value, headers }]);
  return id;
};
const correlated = async (bookingId: string) =>
  (await api('GET', `/api/workflow/${workflowName}/correlated/${bookingId}?includeClosed=true`)).json<
    { workflowId: string; input: Record<string, unknown> }[]
  >();

beforeAll(async () => {
  await producer.start();
  coordinator = await startTestCoordinator(testCoordinatorConfig(stack, names, env));
  expect((await api('POST', '/api/metadata/taskdefs', [{ name: taskType, retryCount: 0, responseTimeoutSeconds: 600 }])).status).toBe(200);
  const def = {
    name: workflowName,
    version: 1,
    ownerEmail: 'test@waggle.dev',
    tasks: [{ name: taskType, taskReferenceName: 'noted', type: 'SIMPLE' }],
  };
  expect((await api('POST', '/api/metadata/workflow', def)).status).toBe(200);
}, 120_000);
afterAll(async () => {
  await coordinator?.stop();
  await producer.stop();
});

describe('given the bundled airline definitions', () => {
  it(
    'registers them at start, with the deployment topic in the handlers, and a restart adds no version',
    { timeout: 120_000 },
    async () => {
      const versions = async () =>
        (await api('GET', '/api/metadata/workflow'))
          .json<{ name: string; version: number }[]>()
          .filter((d) => !d.name.startsWith(run.replace(/-/g, '_')));
      expect((await versions()).map((d) => `${d.name} v${d.version}`).sort()).toEqual([
        'book-flight v1',
        'book-flight-rejected v1',
        'cancel-booking v1',
      ]);
      const handlers = (await api('GET', `/api/event/kafka:${topic}?activeOnly=false`)).json<{ name: string }[]>();
      expect(handlers.map((h) => h.name).sort()).toEqual(['book-flight-on-booking-requested', 'cancel-booking-on-booking-cancelled']);
      expect((await api('GET', '/api/metadata/taskdefs/authorize_payment')).json()).toMatchObject({ retryLogic: 'EXPONENTIAL_BACKOFF' });
      await coordinator.stop();
      coordinator = await startTestCoordinator(testCoordinatorConfig(stack, names, env));
      expect((await versions()).map((d) => d.version)).toEqual([1, 1, 1]);
    },
  );
});

describe('the event handler API', () => {
  it('adds, lists, updates and removes handlers with Conductor answers; a bad one names each problem', { timeout: 60_000 }, async () => {
    const other = { ...handler, name: `${run}-other`, active: false };
    expect((await api('POST', '/api/event', other)).status).toBe(200);
    expect((await api('POST', '/api/event', other)).status).toBe(409);
    expect((await api('PUT', '/api/event', { ...other, name: `${run}-missing` })).status).toBe(404);
    expect((await api('GET', `/api/event/kafka:${topic}?activeOnly=false`)).json<{ name: string }[]>().map((h) => h.name)).toContain(
      other.name,
    );
    expect((await api('GET', `/api/event/kafka:${topic}`)).json<{ name: string }[]>().map((h) => h.name)).not.toContain(other.name);
    expect((await api('DELETE', `/api/event/${other.name}`)).status).toBe(200);
    expect((await api('DELETE', `/api/event/${other.name}`)).status).toBe(404);
    const bad = await api('POST', '/api/event', {
      name: `${run}-bad`,
      event: 'sqs:somewhere',
      condition: '$.a ==',
      actions: [{ action: 'complete_task' }, { action: 'start_workflow', start_workflow: {} }],
    });
    expect(bad.status).toBe(400);
    expect(bad.json<{ validationErrors: { path: string }[] }>().validationErrors.map((p) => p.path)).toEqual([
      '$.event',
      '$.condition',
      '$.actions[0].action',
      '$.actions[1].start_workflow.name',
    ]);
  });
});

describe('given a handler on a topic, keyed by booking', () => {
  it(
    'starts one execution per booking for matching events, redelivered or repeated, with the mapped input; others start none',
    { timeout: 90_000 },
    async () => {
      expect((await api('POST', '/api/event', handler)).status).toBe(200);
      // the consumer of a new topic joins before events are published to it
      await waitFor(
        async () =>
          (await api('GET', '/status'))
            .json<{ consumers: { group: string }[] }>()
            .consumers.some((c) => c.group.endsWith(`.events.${topic}`)),
        { description: 'the handler consumer' },
      );
      const [first, second, ignored] = [`bkg-${randomUUID()}`, `bkg-${randomUUID()}`, `bkg-${randomUUID()}`];
      const id = await publish('BookingRejected', { bookingId: first, flightId: 'LH400-2027-01-01', reason: 'seats unavailable' });
      await publish('BookingRejected', { bookingId: first, flightId: 'LH400-2027-01-01', reason: 'seats unavailable' }, id);
      await publish('BookingRejected', { bookingId: first, flightId: 'LH400-2027-01-01', reason: 'again' });
      await publish('BookingRejected', { bookingId: second, flightId: 'LH400-2027-01-01', reason: 'payment declined' });
      await publish('BookingRejected', { bookingId: ignored, flightId: 'LH400-2027-01-01', reason: 'ignore me' });
      await publish('BookingCancelled', { bookingId: ignored, flightId: 'LH400-2027-01-01', reason: 'cancelled' });
      const [one] = await waitFor(
        async () => {
          const found = await correlated(second);
          return found.length > 0 ? found : undefined;
        },
        { timeoutMs: 30_000, description: 'the second booking started' },
      );
      expect(one?.input).toMatchObject({ bookingId: second, why: 'payment declined', eventType: 'waggle.bookings.BookingRejected' });
      const firsts = await correlated(first);
      expect(firsts).toHaveLength(1);
      expect(firsts[0]?.input).toMatchObject({ bookingId: first, why: 'seats unavailable', 'conductor.event.messageId': id });
      expect(await correlated(ignored)).toEqual([]);
    },
  );
});
