import { handleCommand, laneOf, type Decider } from '@waggle/event-store';
import { defineRoute } from '@waggle/http';
import { createTailReader } from '@waggle/kafka-bus';
import { createLogger } from '@waggle/observability';
import { uniqueName, waitFor } from '@waggle/testing';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { commandFromRequest } from './commandMetadata.ts';
import { startEventSourcedService, type RunningService } from './startEventSourcedService.ts';

const stack = inject('stack');
const run = uniqueName('refuse-invalid');
const topic = `${run}.bookings.events`;

type Requested = { type: 'BookingRequested'; data: Record<string, unknown> };
// decides whatever it is given, as a decider with a bug (or a request schema looser than the event's) would
const passThrough: Decider<Record<string, unknown>, Requested, null> = {
  initialState: () => null,
  decide: (data) => [{ type: 'BookingRequested', data }],
  evolve: (state) => state,
};

let service: RunningService;
const published = new Set<string>();
const tail = createTailReader({
  brokers: stack.kafkaBrokers,
  topic,
  fromBeginning: true,
  onRecord: (record) => {
    if (record.key) published.add(record.key.toString());
  },
});

beforeAll(async () => {
  service = await startEventSourcedService({
    settings: {
      name: 'bookings',
      topic,
      kafkaBrokers: stack.kafkaBrokers,
      schemaRegistryUrl: stack.schemaRegistryUrl,
      mongoUrl: stack.mongoUrl,
      database: run,
      port: 0,
    },
    logger: createLogger({ service: run, level: 'warn' }),
    info: { title: run, version: '0' },
    routes: (deps) => [
      defineRoute({
        method: 'post',
        path: '/streams/:streamId',
        operationId: 'decide',
        summary: 'decides the body as BookingRequested',
        params: z.object({ streamId: z.string() }),
        body: z.record(z.string(), z.unknown()),
        responses: { 202: { description: 'appended' } },
        handler: async (request) => {
          await handleCommand(deps.store, passThrough, {
            streamId: request.params.streamId,
            command: request.body,
            metadata: commandFromRequest(request, 'decide'),
          });
          return { status: 202 };
        },
      }),
    ],
  });
  await tail.start();
});
afterAll(async () => {
  await tail.stop();
  await service?.stop();
});

const booking = (bookingId: string, lastName: unknown) => ({
  bookingId,
  customerId: 'c1',
  flightId: 'LH400-2027-03-14',
  passengers: [{ firstName: 'Ada', lastName }],
  seats: 1,
});
const post = (streamId: string, body: unknown) =>
  fetch(`${service.url}/streams/${streamId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('a service whose command decides an event that breaks its Avro schema', () => {
  it('refuses the command naming the event and the field, stores nothing, and the lane keeps publishing', async () => {
    const { store } = service.deps;
    const invalid = `${run}-invalid`;
    let valid = `${run}-valid`;
    for (let i = 0; laneOf(valid, store.lanes) !== laneOf(invalid, store.lanes); i++) valid = `${run}-valid-${i}`;

    const refused = await post(invalid, booking(invalid, 42));
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await refused.json()) as { detail: string; errors: { path: string; message: string }[] };
    expect(problem.errors).toEqual([{ path: 'BookingRequested.passengers[0].lastName', message: 'expected string, got 42' }]);
    expect(problem.detail).toContain('BookingRequested.passengers[0].lastName: expected string, got 42');
    expect((await store.readStream(invalid)).version).toBe(0);
    const lane = await store.readOutbox(laneOf(invalid, store.lanes), 0, { limit: 512, orphanAfterMs: 60_000 });
    expect(lane.batches.map((b) => b.streamId)).not.toContain(invalid);

    expect((await post(valid, booking(valid, 'Lovelace'))).status).toBe(202);
    await waitFor(() => published.has(valid), { description: `${valid} on ${topic}` });
    expect(published.has(invalid)).toBe(false);
  });
});
