import { createInMemoryEventStore, handleCommand, type EventStore } from '@waggle/event-store';
import type { Task, TaskContext, TaskHandler } from '@waggle/task-worker';
import { beforeEach, describe, expect, it } from 'vitest';
import { flightDecider } from './flight.ts';
import { flightTasks } from './flightTasks.ts';

const flightId = 'LH400-2026-12-01';
let store: EventStore;
let handlers: Map<string, TaskHandler>;

const task = (taskType: string, input: Record<string, unknown>, attempt = 0, taskId = `${taskType}-1`): Task => ({
  workflowId: 'wf-1',
  taskId,
  taskType,
  referenceTaskName: taskType,
  retryCount: attempt,
  input,
  idempotencyKey: `${taskId}:${attempt}`,
  workflowType: 'book-flight',
  responseTimeoutSeconds: 10,
});
const contextOf = (t: Task): TaskContext => ({
  commandId: t.idempotencyKey,
  correlationId: 'b1',
  causationId: `cmd-${t.idempotencyKey}`,
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  meta: {
    id: `cmd-${t.idempotencyKey}`,
    type: 'waggle.saga.TaskCommand',
    source: '/test',
    time: '2026-12-01T09:00:00.000Z',
    subject: 'wf-1',
    correlationId: 'b1',
    causationId: 'x',
  },
});
const run = (taskType: string, input: Record<string, unknown>, attempt = 0, taskId?: string) => {
  const t = task(taskType, input, attempt, taskId);
  return handlers.get(taskType)!.execute(t, contextOf(t));
};
const types = async () => (await store.readStream(flightId)).events.map((e) => e.type);

beforeEach(async () => {
  store = createInMemoryEventStore();
  handlers = new Map(flightTasks({ store }).map((h) => [h.taskType, h]));
  await handleCommand(store, flightDecider, {
    streamId: flightId,
    command: {
      type: 'ScheduleFlight',
      flightId,
      flightNumber: 'LH400',
      date: '2026-12-01',
      origin: 'FRA',
      destination: 'JFK',
      departureTime: '2026-12-01T10:00:00+01:00',
      capacity: 3,
      fareCents: 45_000,
      currency: 'EUR',
    },
    metadata: { commandId: 'schedule', correlationId: 'schedule', causationId: 'schedule', occurredAt: '2026-11-01T00:00:00.000Z' },
  });
});

describe('hold_seats', () => {
  it('holds the seats and prices them at the fare', async () => {
    const outcome = await run('hold_seats', { flightId, bookingId: 'b1', seats: 2 });
    expect(outcome).toEqual({
      status: 'COMPLETED',
      outputData: { holdId: 'hold-b1', seats: 2, fareCents: 45_000, amountCents: 90_000, currency: 'EUR' },
    });
    expect(await types()).toEqual(['FlightScheduled', 'SeatsHeld']);
  });

  it('answers a redelivered attempt and a retried one the same, with one hold', async () => {
    const first = await run('hold_seats', { flightId, bookingId: 'b1', seats: 2 });
    expect(await run('hold_seats', { flightId, bookingId: 'b1', seats: 2 })).toEqual(first);
    expect(await run('hold_seats', { flightId, bookingId: 'b1', seats: 2 }, 1)).toEqual(first);
    expect(await types()).toEqual(['FlightScheduled', 'SeatsHeld']);
  });

  it('fails for good when seats are short, recording the refusal once', async () => {
    await run('hold_seats', { flightId, bookingId: 'b1', seats: 2 }, 0, 'a');
    const short = await run('hold_seats', { flightId, bookingId: 'b2', seats: 2 }, 0, 'b');
    expect(short).toMatchObject({ status: 'FAILED_WITH_TERMINAL_ERROR', reasonForIncompletion: 'not enough seats left' });
    expect(await run('hold_seats', { flightId, bookingId: 'b2', seats: 2 }, 1, 'b')).toMatchObject({
      status: 'FAILED_WITH_TERMINAL_ERROR',
    });
    expect(await types()).toEqual(['FlightScheduled', 'SeatsHeld', 'SeatsUnavailable']);
  });

  it('refuses an unknown flight and bad input', async () => {
    expect(await run('hold_seats', { flightId: 'XX1-2026-12-01', bookingId: 'b1', seats: 1 })).toMatchObject({
      status: 'FAILED_WITH_TERMINAL_ERROR',
      reasonForIncompletion: 'unknown flight',
    });
    expect(await run('hold_seats', { flightId, bookingId: 'b1', seats: 0 })).toMatchObject({
      status: 'FAILED_WITH_TERMINAL_ERROR',
      reasonForIncompletion: expect.stringContaining('invalid input: seats') as string,
    });
    expect(await types()).toEqual(['FlightScheduled']);
  });
});

describe('confirm_seats and release_seats', () => {
  it('sell a held booking once', async () => {
    await run('hold_seats', { flightId, bookingId: 'b1', seats: 1 });
    expect(await run('confirm_seats', { flightId, bookingId: 'b1' })).toEqual({
      status: 'COMPLETED',
      outputData: { holdId: 'hold-b1', seats: 1 },
    });
    expect(await run('confirm_seats', { flightId, bookingId: 'b1' }, 1)).toEqual({
      status: 'COMPLETED',
      outputData: { holdId: 'hold-b1', seats: 1 },
    });
    expect(await types()).toEqual(['FlightScheduled', 'SeatsHeld', 'SeatsConfirmed']);
  });

  it('cannot sell what is not held', async () => {
    expect(await run('confirm_seats', { flightId, bookingId: 'b9' })).toMatchObject({
      status: 'FAILED_WITH_TERMINAL_ERROR',
      reasonForIncompletion: `booking b9 holds no seats on flight ${flightId} (never held, or given back)`,
    });
  });

  it('give the seats back once, and say so; nothing to give back is not an error', async () => {
    await run('hold_seats', { flightId, bookingId: 'b1', seats: 2 });
    expect(await run('release_seats', { flightId, bookingId: 'b1' })).toEqual({
      status: 'COMPLETED',
      outputData: { released: true, seats: 2 },
    });
    expect(await run('release_seats', { flightId, bookingId: 'b1' }, 0, 'again')).toEqual({
      status: 'COMPLETED',
      outputData: { released: false, seats: 0 },
    });
    const events = (await store.readStream(flightId)).events;
    expect(events.map((e) => e.type)).toEqual(['FlightScheduled', 'SeatsHeld', 'SeatHoldReleased']);
    expect(events[2]?.data).toMatchObject({ bookingId: 'b1', seats: 2, reason: 'released by book-flight' });
  });
});
