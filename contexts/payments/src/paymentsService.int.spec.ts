import { randomUUID } from 'node:crypto';
import { createConsumer, createProducer, type Consumer, type Producer } from '@waggle/kafka-bus';
import { createLogger } from '@waggle/observability';
import {
  fromTaskResultData,
  sagaTopics,
  taskCommandType,
  toSagaRecord,
  toTaskCommandData,
  type TaskResultMessage,
} from '@waggle/task-worker';
import { uniqueName, waitFor } from '@waggle/testing';
import type { RunningService } from '@waggle/event-sourced-service';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { loadConfig } from './config.ts';
import { startPayments } from './paymentsService.ts';

const stack = inject('stack');
const brokers = [stack.kafkaBrokers].flat();
const prefix = uniqueName('payments-saga');
const topics = sagaTopics(prefix);
const paymentsTopic = uniqueName('payments-events');
let service: RunningService;
let producer: Producer;
let answers: Consumer;
let published: Consumer;
const results: TaskResultMessage[] = [];
const onTopic: { type: string; bookingId: string }[] = [];

beforeAll(async () => {
  service = await startPayments(
    loadConfig({
      KAFKA_BROKERS: stack.kafkaBrokers,
      SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
      MONGO_URL: stack.mongoUrl,
      MONGO_DB: uniqueName('payments'),
      PORT: '0',
      PAYMENTS_TOPIC: paymentsTopic,
      SAGA_TOPIC_PREFIX: prefix,
      PAYMENTS_CUSTOMER_LIMIT_CENTS: '100000',
    }),
    createLogger({ service: 'payments-test', level: 'silent' }),
  );
  const { serde } = service.deps;
  producer = createProducer({ brokers, clientId: 'payments-test' });
  await producer.start();
  answers = createConsumer({
    brokers,
    groupId: uniqueName('payments-test-answers'),
    clientId: 'payments-test-answers',
    topics: [topics.inputs],
    fromBeginning: true,
    handle: async (record) => {
      results.push(fromTaskResultData((await serde.decode(record.value!)).data as Record<string, unknown>));
    },
  });
  published = createConsumer({
    brokers,
    groupId: uniqueName('payments-test-events'),
    clientId: 'payments-test-events',
    topics: [paymentsTopic],
    fromBeginning: true,
    handle: async (record) => {
      const { fullName, data } = await serde.decode(record.value!);
      onTopic.push({ type: fullName.replace('waggle.payments.', ''), bookingId: String((data as Record<string, unknown>)['bookingId']) });
    },
  });
  await Promise.all([answers.start(), published.start()]);
});
afterAll(async () => {
  await answers?.stop();
  await published?.stop();
  await producer?.stop();
  await service?.stop();
});

const call = async (method: 'GET' | 'PUT', path: string, body?: unknown) => {
  const response = await fetch(`${service.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as Record<string, unknown> };
};

/** Publishes a task attempt as the coordinator does; the same taskId and retryCount again is a redelivery. */
const sendTask = async (taskType: string, taskId: string, input: Record<string, unknown>, retryCount = 0): Promise<void> => {
  const workflowId = `wf-${taskId}`;
  const data = toTaskCommandData({
    workflowId,
    taskId,
    taskType,
    referenceTaskName: taskType,
    retryCount,
    input,
    responseTimeoutSeconds: 0,
  });
  const cause = { correlationId: workflowId, causationId: randomUUID() };
  await producer.send([
    await toSagaRecord(service.deps.serde, {
      topic: topics.tasks(taskType),
      fullName: taskCommandType,
      key: workflowId,
      data,
      source: '/test',
      cause,
    }),
  ]);
};
const answersTo = (taskId: string, count = 1) =>
  waitFor(
    () => {
      const found = results.filter((r) => r.taskId === taskId);
      return found.length >= count && found;
    },
    { description: `${count} answer(s) to ${taskId}` },
  );
const streamOf = async (bookingId: string) =>
  (await service.deps.store.readStream(bookingId)).events.map((e) => [e.type, e.data['voided'] ?? e.data['reason'] ?? null]);
const authorizeInput = (bookingId: string, extra: Record<string, unknown> = {}) => ({
  bookingId,
  customerId: 'c-1',
  amountCents: 45_000,
  currency: 'EUR',
  paymentToken: 'tok_visa',
  ...extra,
});
/** Authorizes and captures a payment of a new booking; resolves with the booking id. */
const paid = async (): Promise<string> => {
  const bookingId = uniqueName('b');
  await sendTask('authorize_payment', `${bookingId}:auth`, authorizeInput(bookingId));
  await answersTo(`${bookingId}:auth`);
  await sendTask('capture_payment', `${bookingId}:capture`, { bookingId });
  await answersTo(`${bookingId}:capture`);
  return bookingId;
};

beforeEach(async () => {
  await call('PUT', '/api/v1/gateway', { outage: false });
});

describe('the payments task worker', () => {
  it('given an approving token, authorizes; the task delivered twice has one effect and both answers say the same', async () => {
    const bookingId = uniqueName('b');
    await sendTask('authorize_payment', `${bookingId}:1`, authorizeInput(bookingId));
    await sendTask('authorize_payment', `${bookingId}:1`, authorizeInput(bookingId));
    const answered = await answersTo(`${bookingId}:1`, 2);
    expect(answered.map((r) => [r.status, r.outputData])).toEqual([
      ['COMPLETED', { paymentId: `pay-${bookingId}`, status: 'AUTHORIZED' }],
      ['COMPLETED', { paymentId: `pay-${bookingId}`, status: 'AUTHORIZED' }],
    ]);
    expect(await streamOf(bookingId)).toEqual([['PaymentAuthorized', null]]);
    await waitFor(() => onTopic.some((e) => e.bookingId === bookingId), { description: 'PaymentAuthorized on the topic' });
  });

  it('given tok_decline, appends PaymentDeclined and fails the task for good with the rule', async () => {
    const bookingId = uniqueName('b');
    await sendTask('authorize_payment', `${bookingId}:1`, authorizeInput(bookingId, { paymentToken: 'tok_decline' }));
    const [answer] = await answersTo(`${bookingId}:1`);
    expect(answer).toMatchObject({
      status: 'FAILED_WITH_TERMINAL_ERROR',
      reasonForIncompletion: 'payment declined: card declined',
      outputData: { status: 'DECLINED', reason: 'card declined' },
    });
    expect(await streamOf(bookingId)).toEqual([['PaymentDeclined', 'card declined']]);
    await waitFor(() => onTopic.some((e) => e.bookingId === bookingId && e.type === 'PaymentDeclined'), {
      description: 'PaymentDeclined published',
    });
    // a later attempt is answered with the same decline, and declines nothing twice
    await sendTask('authorize_payment', `${bookingId}:1`, authorizeInput(bookingId), 1);
    const again = await answersTo(`${bookingId}:1`, 2);
    expect(again[1]).toMatchObject({ status: 'FAILED_WITH_TERMINAL_ERROR', reasonForIncompletion: 'payment declined: card declined' });
    expect(await streamOf(bookingId)).toHaveLength(1);
  });

  it('given tok_insufficient or an amount over the customer limit, declines with that rule', async () => {
    const poor = uniqueName('b');
    const large = uniqueName('b');
    const atLimit = uniqueName('b');
    await sendTask('authorize_payment', `${poor}:1`, authorizeInput(poor, { paymentToken: 'tok_insufficient' }));
    await sendTask('authorize_payment', `${large}:1`, authorizeInput(large, { amountCents: 100_001 }));
    await sendTask('authorize_payment', `${atLimit}:1`, authorizeInput(atLimit, { amountCents: 100_000 }));
    expect((await answersTo(`${poor}:1`))[0]?.reasonForIncompletion).toBe('payment declined: insufficient funds');
    expect((await answersTo(`${large}:1`))[0]).toMatchObject({
      status: 'FAILED_WITH_TERMINAL_ERROR',
      outputData: { status: 'DECLINED', reason: 'amount over customer limit' },
    });
    expect((await answersTo(`${atLimit}:1`))[0]?.status).toBe('COMPLETED');
  });

  it('given a gateway outage switched on over REST, answers FAILED (retryable) and records nothing; the retry after it authorizes', async () => {
    const switched = await call('PUT', '/api/v1/gateway', { outage: true });
    expect(switched).toMatchObject({ status: 200, body: { outage: true, customerLimitCents: 100_000, latencyMs: 0 } });
    expect((await call('GET', '/api/v1/gateway')).body['outage']).toBe(true);
    const bookingId = uniqueName('b');
    await sendTask('authorize_payment', `${bookingId}:1`, authorizeInput(bookingId));
    const [failed] = await answersTo(`${bookingId}:1`);
    expect(failed).toMatchObject({ status: 'FAILED', reasonForIncompletion: 'payment gateway unavailable' });
    expect(await streamOf(bookingId)).toEqual([]);

    await call('PUT', '/api/v1/gateway', { outage: false });
    await sendTask('authorize_payment', `${bookingId}:1`, authorizeInput(bookingId), 1);
    const [, retried] = await answersTo(`${bookingId}:1`, 2);
    expect(retried).toMatchObject({ status: 'COMPLETED', retryCount: 1, outputData: { status: 'AUTHORIZED' } });
    expect(await streamOf(bookingId)).toEqual([['PaymentAuthorized', null]]);
  });

  it('given an authorized payment, captures it once with its amount, a redelivery included', async () => {
    const bookingId = uniqueName('b');
    await sendTask('authorize_payment', `${bookingId}:auth`, authorizeInput(bookingId));
    await answersTo(`${bookingId}:auth`);
    await sendTask('capture_payment', `${bookingId}:capture`, { bookingId });
    await sendTask('capture_payment', `${bookingId}:capture`, { bookingId });
    const answered = await answersTo(`${bookingId}:capture`, 2);
    expect(answered.map((r) => [r.status, r.outputData])).toEqual([
      ['COMPLETED', { paymentId: `pay-${bookingId}`, amountCents: 45_000, currency: 'EUR' }],
      ['COMPLETED', { paymentId: `pay-${bookingId}`, amountCents: 45_000, currency: 'EUR' }],
    ]);
    expect(await streamOf(bookingId)).toEqual([
      ['PaymentAuthorized', null],
      ['PaymentCaptured', null],
    ]);
  });

  it('given no payment, a capture fails for good and a void or refund answers that nothing was done', async () => {
    const bookingId = uniqueName('b');
    await sendTask('capture_payment', `${bookingId}:capture`, { bookingId });
    await sendTask('void_payment', `${bookingId}:void`, { bookingId });
    await sendTask('refund_payment', `${bookingId}:refund`, { bookingId });
    expect((await answersTo(`${bookingId}:capture`))[0]).toMatchObject({
      status: 'FAILED_WITH_TERMINAL_ERROR',
      reasonForIncompletion: `booking ${bookingId} has no payment to capture`,
    });
    expect((await answersTo(`${bookingId}:void`))[0]).toMatchObject({ status: 'COMPLETED', outputData: { voided: false } });
    expect((await answersTo(`${bookingId}:refund`))[0]).toMatchObject({
      status: 'COMPLETED',
      outputData: { refunded: false, voided: false },
    });
    expect(await streamOf(bookingId)).toEqual([]);
  });

  it('given an authorized payment, voids it once: a redelivery says voided again, a later attempt says nothing to void', async () => {
    const bookingId = uniqueName('b');
    await sendTask('authorize_payment', `${bookingId}:auth`, authorizeInput(bookingId));
    await answersTo(`${bookingId}:auth`);
    await sendTask('void_payment', `${bookingId}:void`, { bookingId });
    await sendTask('void_payment', `${bookingId}:void`, { bookingId });
    await sendTask('void_payment', `${bookingId}:void`, { bookingId }, 1);
    const answered = await answersTo(`${bookingId}:void`, 3);
    expect(answered.map((r) => [r.retryCount, r.outputData])).toEqual([
      [0, { voided: true }],
      [0, { voided: true }],
      [1, { voided: false }],
    ]);
    expect(await streamOf(bookingId)).toEqual([
      ['PaymentAuthorized', null],
      ['PaymentRefunded', true],
    ]);
  });

  it('given a captured payment, refunds it exactly once, redeliveries and retries included', async () => {
    const bookingId = await paid();
    await sendTask('refund_payment', `${bookingId}:refund`, { bookingId, reason: 'booking cancelled' });
    await sendTask('refund_payment', `${bookingId}:refund`, { bookingId, reason: 'booking cancelled' });
    await sendTask('refund_payment', `${bookingId}:refund`, { bookingId, reason: 'booking cancelled' }, 1);
    const answered = await answersTo(`${bookingId}:refund`, 3);
    expect(answered.map((r) => r.outputData)).toEqual([
      { refunded: true, amountCents: 45_000, currency: 'EUR' },
      { refunded: true, amountCents: 45_000, currency: 'EUR' },
      { refunded: false, voided: false },
    ]);
    expect(await streamOf(bookingId)).toEqual([
      ['PaymentAuthorized', null],
      ['PaymentCaptured', null],
      ['PaymentRefunded', false],
    ]);
  });

  it('given an authorized payment, a refund voids it', async () => {
    const bookingId = uniqueName('b');
    await sendTask('authorize_payment', `${bookingId}:auth`, authorizeInput(bookingId));
    await answersTo(`${bookingId}:auth`);
    await sendTask('refund_payment', `${bookingId}:refund`, { bookingId });
    expect((await answersTo(`${bookingId}:refund`))[0]?.outputData).toEqual({ refunded: false, voided: true });
  });

  it('given a task whose input is not a payment, fails it for good naming the field', async () => {
    const bookingId = uniqueName('b');
    await sendTask('authorize_payment', `${bookingId}:1`, { bookingId, customerId: 'c-1', amountCents: -5, currency: 'EUR' });
    const [answer] = await answersTo(`${bookingId}:1`);
    expect(answer?.status).toBe('FAILED_WITH_TERMINAL_ERROR');
    expect(answer?.reasonForIncompletion).toMatch(/^invalid input: amountCents/);
  });
});

describe('the payments API', () => {
  it("shows a booking's payment with its history, and answers 404 problem details for a booking without one", async () => {
    const bookingId = await paid();
    const { status, body } = await call('GET', `/api/v1/payments/${bookingId}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      bookingId,
      paymentId: `pay-${bookingId}`,
      status: 'captured',
      customerId: 'c-1',
      amountCents: 45_000,
      currency: 'EUR',
      version: 2,
    });
    expect((body['history'] as { type: string }[]).map((h) => h.type)).toEqual(['PaymentAuthorized', 'PaymentCaptured']);
    const missing = await call('GET', `/api/v1/payments/${uniqueName('none')}`);
    expect([missing.status, missing.type]).toEqual([404, 'application/problem+json; charset=utf-8']);
  });

  it('refuses a gateway switch that is not {"outage": boolean} with problem details, and leaves the switch as it was', async () => {
    for (const body of [{ outage: 'yes' }, {}, { outage: true, extra: 1 }]) {
      const refused = await call('PUT', '/api/v1/gateway', body);
      expect([refused.status, refused.type]).toEqual([400, 'application/problem+json; charset=utf-8']);
    }
    expect((await call('GET', '/api/v1/gateway')).body['outage']).toBe(false);
  });
});
