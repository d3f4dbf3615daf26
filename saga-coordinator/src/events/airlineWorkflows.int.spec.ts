import { fileURLToPath } from 'node:url';
import { createInMemoryEventStore } from '@waggle/event-store';
import type { Task, TaskOutcome, TaskWorker } from '@waggle/task-worker';
import { uniqueName } from '@waggle/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningCoordinator } from '../service/startCoordinator.ts';
import { conductorClient, refs, taskByRef } from '../service/testing/conductorClient.ts';
import { startTestCoordinator, startTestWorkers, testCoordinatorConfig } from '../service/testing/startTestCoordinator.ts';

// the bundled book-flight and cancel-booking run against generic workers over Kafka that play flights, payments and
// bookings by the contract (airline-contract.md): a booking id's prefix picks the scenario
const stack = inject('stack');
const run = uniqueName('airline');
let coordinator: RunningCoordinator;
let workers: TaskWorker;
const { api, ended, workflow } = conductorClient(() => coordinator.url);
const store = createInMemoryEventStore();
const taskTypes = [
  'hold_seats',
  'release_seats',
  'confirm_seats',
  'authorize_payment',
  'capture_payment',
  'void_payment',
  'refund_payment',
  'confirm_booking',
  'reject_booking',
  'cancel_booking',
];

const answer = (task: Task): TaskOutcome => {
  const bookingId = String(task.input['bookingId']);
  switch (task.taskType) {
    case 'hold_seats':
      return bookingId.startsWith('short-')
        ? { status: 'FAILED_WITH_TERMINAL_ERROR', reasonForIncompletion: 'seats unavailable: not enough seats left' }
        : { status: 'COMPLETED', outputData: { holdId: `hold-${bookingId}`, seatsLeft: 3, amountCents: 90_000, currency: 'EUR' } };
    case 'authorize_payment':
      if (bookingId.startsWith('decline-'))
        return {
          status: 'FAILED_WITH_TERMINAL_ERROR',
          reasonForIncompletion: 'payment declined: card declined',
          outputData: { status: 'DECLINED', reason: 'card declined' },
        };
      if (bookingId.startsWith('outage-')) return { status: 'FAILED', reasonForIncompletion: 'payment gateway unavailable' };
      return {
        status: 'COMPLETED',
        outputData: { paymentId: `pay-${bookingId}`, status: 'AUTHORIZED', seenAmount: task.input['amountCents'] },
      };
    case 'capture_payment':
      return { status: 'COMPLETED', outputData: { paymentId: `pay-${bookingId}`, amountCents: 90_000, currency: 'EUR' } };
    case 'cancel_booking':
      return { status: 'COMPLETED', outputData: { flightId: 'LH400-2027-01-01', seats: 2, wasConfirmed: true } };
    case 'refund_payment':
      return { status: 'COMPLETED', outputData: { refunded: true, amountCents: 90_000, currency: 'EUR' } };
    case 'release_seats':
      return { status: 'COMPLETED', outputData: { released: true } };
    case 'void_payment':
      return { status: 'COMPLETED', outputData: { voided: false } };
    default:
      return { status: 'COMPLETED', outputData: {} };
  }
};

const start = async (name: string, bookingId: string, extra: Record<string, unknown> = {}) => {
  const answer = await api('POST', '/api/workflow', {
    name,
    correlationId: bookingId,
    idempotencyKey: bookingId,
    idempotencyStrategy: 'RETURN_EXISTING',
    input: { bookingId, customerId: 'c1', flightId: 'LH400-2027-01-01', seats: 2, paymentToken: 'tok_visa', ...extra },
  });
  expect(answer.status, answer.text).toBe(200);
  return answer.text;
};
const bookingRun = (prefix: string) => `${prefix}-${run}`;

beforeAll(async () => {
  const names = { prefix: run, database: run };
  coordinator = await startTestCoordinator(
    testCoordinatorConfig(stack, names, { SAGA_WORKFLOWS_DIR: fileURLToPath(new URL('../../workflows/', import.meta.url)) }),
  );
  workers = await startTestWorkers(stack, { prefix: run, name: `${run}-airline`, store, taskTypes, answer });
}, 120_000);
afterAll(async () => {
  await workers?.stop();
  await coordinator?.stop();
});

describe('book-flight', () => {
  it('given seats and an approved card: hold, authorize the fare from the hold, confirm, sell, capture', { timeout: 60_000 }, async () => {
    const bookingId = bookingRun('ok');
    const done = await ended(await start('book-flight', bookingId));
    expect(done.status).toBe('COMPLETED');
    expect(refs(done)).toEqual([
      'hold:COMPLETED',
      'authorize:COMPLETED',
      'confirm_booking:COMPLETED',
      'confirm_seats:COMPLETED',
      'capture:COMPLETED',
    ]);
    expect(taskByRef(done, 'authorize').inputData).toMatchObject({ amountCents: 90_000, currency: 'EUR', paymentToken: 'tok_visa' });
    expect(done.output).toEqual({
      bookingId,
      holdId: `hold-${bookingId}`,
      paymentId: `pay-${bookingId}`,
      amountCents: 90_000,
      currency: 'EUR',
    });
  });

  it(
    'given a declined card: the hold released, then the booking rejected with the decline by the failure workflow',
    { timeout: 60_000 },
    async () => {
      const bookingId = bookingRun('decline');
      const id = await start('book-flight', bookingId);
      const done = await ended(id);
      expect(done).toMatchObject({ status: 'FAILED', compensationStatus: 'COMPENSATED' });
      expect(refs(done)).toEqual(['hold:COMPLETED', 'authorize:FAILED_WITH_TERMINAL_ERROR', 'release_hold:COMPLETED']);
      const failure = await ended(`${id}:failure`);
      expect(failure.status).toBe('COMPLETED');
      expect(refs(failure)).toEqual([
        'why:COMPLETED',
        'release_leftover:COMPLETED',
        'payment_asked:COMPLETED',
        'void_leftover:COMPLETED',
        'reject:COMPLETED',
      ]);
      expect(taskByRef(failure, 'reject').inputData).toEqual({ bookingId, reason: 'payment declined: card declined' });
    },
  );

  it('given no seats: rejected with the shortage, payments never asked', { timeout: 60_000 }, async () => {
    const bookingId = bookingRun('short');
    const id = await start('book-flight', bookingId);
    const done = await ended(id);
    expect(refs(done)).toEqual(['hold:FAILED_WITH_TERMINAL_ERROR']);
    const failure = await ended(`${id}:failure`);
    expect(taskByRef(failure, 'reject').inputData).toEqual({ bookingId, reason: 'seats unavailable: not enough seats left' });
    expect(refs(failure)).toEqual(['why:COMPLETED', 'release_leftover:COMPLETED', 'payment_asked:COMPLETED', 'reject:COMPLETED']);
    const paymentTasks = ['authorize_payment', 'capture_payment', 'void_payment', 'refund_payment'];
    const asked = [...done.tasks, ...failure.tasks].filter((t) => paymentTasks.includes(t.taskType));
    expect(asked).toEqual([]);
  });

  it(
    'given a gateway outage longer than the retries: authorize tried 5 times with backoff, then compensated',
    { timeout: 90_000 },
    async () => {
      const bookingId = bookingRun('outage');
      const id = await start('book-flight', bookingId);
      const done = await ended(id, 60_000);
      expect(done).toMatchObject({ status: 'FAILED', compensationStatus: 'COMPENSATED' });
      const attempts = done.tasks.filter((t) => t.referenceTaskName === 'authorize');
      expect(attempts.map((t) => t.retryCount)).toEqual([0, 1, 2, 3, 4]);
      expect(refs(done).at(-1)).toBe('release_hold:COMPLETED');
      const failure = await ended(`${id}:failure`);
      expect(taskByRef(failure, 'reject').inputData).toEqual({ bookingId, reason: 'payment gateway unavailable' });
    },
  );
});

describe('cancel-booking', () => {
  it('cancels, gives the seats of the cancelled booking back and refunds', { timeout: 60_000 }, async () => {
    const bookingId = bookingRun('cancel');
    const done = await ended(await start('cancel-booking', bookingId, { reason: 'changed plans' }));
    expect(refs(done)).toEqual(['cancel:COMPLETED', 'release:COMPLETED', 'refund:COMPLETED']);
    expect(taskByRef(done, 'release').inputData).toEqual({ flightId: 'LH400-2027-01-01', bookingId });
    expect(done.output).toMatchObject({ wasConfirmed: true, released: true, refunded: true, amountCents: 90_000 });
    expect((await workflow(done.workflowId)).status).toBe('COMPLETED');
  });
});
