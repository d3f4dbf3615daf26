import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { readTopicToEnd } from '@waggle/kafka-bus';
import { launchServices, topicsOf, waggleServices, type Launched } from '@waggle/launcher';
import { freePort, uniqueName, waitFor } from '@waggle/testing';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

// "what happened around it" on the whole system: a real book-flight saga through the launched services, the
// coordinator's correlation index following its correlation id across every context's topics, and the execution page
// in headless Chromium showing the domain events and the saga's steps in one timeline with their topic and offset
const stack = inject('stack');
const run = uniqueName('e2e-corr');
const topics = topicsOf(run);
const artifacts = fileURLToPath(new URL('../../../.waggle/artifacts/dashboard/', import.meta.url));
// the contexts a paid booking touches, and the coordinator
const needed = ['flights', 'bookings', 'payments', 'loyalty', 'saga-coordinator'];
const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
let system: Launched;
let browser: Browser;
const url = (name: string): string => system.services.find((s) => s.name === name)?.url ?? '';

type Indexed = { topic: string; partition: number; offset: string; type: string; taskId?: string; relation: string; correlationId: string };
type Found = { correlationIds: string[]; records: Indexed[]; truncated: boolean };
type Execution = { workflowId: string; status: string; tasks: { taskId: string; referenceTaskName: string; status: string }[] };
const getJson = async <T>(path: string): Promise<{ status: number; type: string; body: T }> => {
  const response = await fetch(path);
  return { status: response.status, type: response.headers.get('content-type') ?? '', body: (await response.json()) as T };
};
const short = (type: string): string => type.split('.').at(-1) ?? type;

beforeAll(async () => {
  await mkdir(artifacts, { recursive: true });
  const specs = [];
  for (const spec of waggleServices.filter((s) => needed.includes(s.name)))
    specs.push({ ...spec, port: await freePort(), env: { MONGO_DB: `${run}-${spec.name}`, GROUP_ID: `${run}-${spec.name}` } });
  system = await launchServices(specs, {
    env: {
      ...process.env,
      KAFKA_BROKERS: stack.kafkaBrokers,
      SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
      MONGO_URL: stack.mongoUrl,
      ...topics,
      LOG_LEVEL: 'warn',
    },
    write: () => {},
    colour: false,
  });
  browser = await chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

describe('what happened around a book-flight execution', () => {
  let bookingId = '';
  let execution: Execution;

  it(
    'follows its correlation id across Kafka: every domain event and saga record once, at its place in Kafka',
    { timeout: 120_000 },
    async () => {
      const date = '2027-06-01';
      const flight = await fetch(`${url('flights')}/api/v1/flights`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          flightNumber: 'LH900',
          date,
          origin: 'FRA',
          destination: 'JFK',
          departureTime: `${date}T10:00:00Z`,
          capacity: 5,
          fareCents: 45_000,
          currency: 'EUR',
        }),
      });
      expect(flight.status).toBe(202);
      const booked = await fetch(`${url('bookings')}/api/v1/bookings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          customerId: `${run}-ada`,
          flightId: `LH900-${date}`,
          passengers: [{ firstName: 'Ada', lastName: 'Lovelace' }],
        }),
      });
      expect(booked.status).toBe(202);
      bookingId = String(((await booked.json()) as { bookingId: string }).bookingId);
      const coordinator = url('saga-coordinator');
      execution = await waitFor(
        async () => {
          const { body } = await getJson<Execution[]>(
            `${coordinator}/api/workflow/book-flight/correlated/${bookingId}?includeClosed=true&includeTasks=true`,
          );
          return body[0]?.status === 'COMPLETED' ? body[0] : undefined;
        },
        { timeoutMs: 90_000, description: 'the book-flight saga completed' },
      );

      const around = await waitFor(
        async () => {
          const { body } = await getJson<Found>(`${coordinator}/api/waggle/workflow/${execution.workflowId}/records`);
          const saga = body.records.filter((r) => r.type.startsWith('waggle.saga.')).length;
          const seen = new Set(body.records.map((r) => short(r.type)));
          // the start, a command and a result per task, and the booking's last events
          return saga === 1 + 2 * execution.tasks.length && seen.has('PointsEarned') && seen.has('PaymentCaptured') ? body : undefined;
        },
        { timeoutMs: 30_000, description: 'every record of the booking indexed' },
      );
      const events = around.records.filter((r) => !r.type.startsWith('waggle.saga.')).map((r) => short(r.type));
      for (const [before, after] of [
        ['BookingRequested', 'SeatsHeld'],
        ['SeatsHeld', 'PaymentAuthorized'],
        ['PaymentAuthorized', 'BookingConfirmed'],
        ['BookingConfirmed', 'PointsEarned'],
      ] as const)
        expect(events.indexOf(before), `${before} before ${after} in ${events.join(', ')}`).toBeLessThan(events.indexOf(after));
      expect(events.indexOf('BookingRequested')).toBeGreaterThanOrEqual(0);
      // the request carries its own correlation id (the HTTP request's): found as the cause of the saga's start
      expect(around.records.find((r) => short(r.type) === 'BookingRequested')).toMatchObject({ relation: 'cause' });
      expect(around.correlationIds).toEqual([bookingId]);
      // each record once, and where the index says it is, Kafka has it
      const places = around.records.map((r) => `${r.topic}/${r.partition}/${r.offset}`);
      expect(new Set(places).size).toBe(places.length);
      const requested = around.records.find((r) => short(r.type) === 'BookingRequested')!;
      const inKafka = (await readTopicToEnd([stack.kafkaBrokers], topics.BOOKINGS_TOPIC)).find(
        (r) => r.partition === requested.partition && r.offset === requested.offset,
      );
      expect(inKafka?.headers['ce_type']?.toString()).toBe('waggle.bookings.BookingRequested');
      expect(inKafka?.key?.toString()).toBe(bookingId);

      // a task's records: its command on its task topic, its result on the inputs topic
      const hold = execution.tasks.find((t) => t.referenceTaskName === 'hold')!;
      const { body: held } = await getJson<Found>(`${coordinator}/api/waggle/tasks/${encodeURIComponent(hold.taskId)}/records`);
      expect(held.records.map((r) => `${short(r.type)}@${r.topic}`)).toEqual([
        `TaskCommand@${topics.SAGA_TOPIC_PREFIX}.tasks.hold_seats`,
        `TaskResult@${topics.SAGA_TOPIC_PREFIX}.inputs`,
      ]);
      // by correlation id, without the causes: the saga's and the contexts' records, not the request
      const { body: correlated } = await getJson<Found>(`${coordinator}/api/waggle/correlations/${bookingId}/records?causes=false`);
      expect(correlated.records.map((r) => short(r.type))).not.toContain('BookingRequested');
      expect(correlated.records.length).toBe(around.records.length - 1);

      // its consumer group and what it cost, in /status (kept beside the screenshots: the figures of a real booking)
      const { body: status } = await getJson<{
        consumers: { group: string; state?: string }[];
        correlationIndex?: { indexed: number; writes: number; commands: number; documents: number; setUpdates: number };
      }>(`${coordinator}/status`);
      expect(status.consumers).toContainEqual(
        expect.objectContaining({ group: `${topics.SAGA_TOPIC_PREFIX}.coordinator.correlations`, state: 'running' }),
      );
      expect(status.correlationIndex?.indexed).toBeGreaterThanOrEqual(around.records.length);
      await writeFile(`${artifacts}correlation-index-status.json`, JSON.stringify(status.correlationIndex, null, 2));

      const refused = await getJson<{ status: number; detail: string }>(`${coordinator}/api/waggle/tasks/not-a-task/records`);
      expect(refused.status).toBe(404);
      expect(refused.type).toContain('application/problem+json');
      expect(refused.body.detail).toContain('not a task id');
      const { body: openapi } = await getJson<{ paths: Record<string, unknown> }>(`${coordinator}/openapi.json`);
      for (const path of ['/api/waggle/correlations/{correlationId}/records', '/api/waggle/tasks/{taskId}/records'])
        expect(Object.keys(openapi.paths)).toContain(path);
    },
  );

  it(
    'shows them on the execution page in one timeline with the saga steps, and a task its command and result',
    { timeout: 60_000 },
    async () => {
      expect(execution?.workflowId).toBeDefined();
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      page.setDefaultTimeout(15_000);
      await page.goto(`${url('saga-coordinator')}/ui/execution/${execution.workflowId}`);
      const rows = page.locator('.around-table tbody tr');
      await page.locator('.around-table tr[data-type="PointsEarned"]').waitFor();
      const kinds = await Promise.all(
        (await rows.all()).map(async (tr) => `${await tr.getAttribute('class')}:${await tr.getAttribute('data-type')}`),
      );
      const events = kinds.filter((k) => k.startsWith('event-row')).map((k) => k.split(':')[1]);
      expect(events.slice(0, 1)).toEqual(['BookingRequested']);
      expect(events).toEqual(expect.arrayContaining(['SeatsHeld', 'PaymentAuthorized', 'BookingConfirmed', 'PointsEarned']));
      expect(events.indexOf('BookingConfirmed')).toBeGreaterThan(events.indexOf('PaymentAuthorized'));
      // the saga's steps between them: the hold dispatched before the seats were held, answered after
      const order = kinds.map((k) => k.split(':')[1]);
      const firstCommand = order.indexOf('TaskCommand');
      expect(firstCommand).toBeGreaterThan(order.indexOf('BookingRequested'));
      expect(firstCommand).toBeLessThan(order.indexOf('SeatsHeld'));
      const confirmed = page.locator('.around-table tr[data-type="BookingConfirmed"]');
      expect(await confirmed.locator('td').nth(2).textContent()).toBe('bookings');
      expect(await confirmed.locator('td a').textContent()).toMatch(
        new RegExp(`^${topics.BOOKINGS_TOPIC.replaceAll('.', '\\.')}/\\d+@\\d+$`),
      );
      expect(await page.locator('.around-table tr[data-type="BookingRequested"]').textContent()).toContain('what started it');
      await page.screenshot({ path: `${artifacts}execution-around-1280.png`, fullPage: true });
      await page.locator('section.around').screenshot({ path: `${artifacts}around-panel-1280.png` });
      // axe-core on the page with the timeline in it: no serious or critical violation
      await page.addScriptTag({ content: axeSource });
      const violations = await page.evaluate<{ id: string; impact: string }[]>(
        `axe.run(document).then((result) => result.violations.map((v) => ({ id: v.id, impact: v.impact })))`,
      );
      expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
      expect(await page.locator('.around-table tr[data-type="TaskResult"]').first().locator('td').nth(2).textContent()).toBe('flights');

      // from the timeline to the task: its Kafka records in the task detail
      await page.locator('.around-table tr[data-type="TaskCommand"] button', { hasText: 'hold dispatched' }).first().click();
      await page.locator('.task-detail .task-records tbody tr').nth(1).waitFor();
      expect(
        await Promise.all((await page.locator('.task-detail .task-records tbody tr').all()).map((tr) => tr.getAttribute('data-type'))),
      ).toEqual(['TaskCommand', 'TaskResult']);
      expect(await page.locator('.task-detail .task-records tbody tr a').first().textContent()).toMatch(
        /\.saga\.tasks\.hold_seats\/\d+@\d+$/,
      );
      await page.locator('.task-detail').screenshot({ path: `${artifacts}task-records-1280.png` });
      // the link says what the index knows of the record
      const href = await confirmed.locator('td a').getAttribute('href');
      const linked = await getJson<Indexed>(`${url('saga-coordinator')}${href}`);
      expect(linked.body).toMatchObject({ type: 'waggle.bookings.BookingConfirmed', correlationId: bookingId });
      await page.setViewportSize({ width: 390, height: 844 });
      await page.locator('#around-title').scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${artifacts}execution-around-390.png`, fullPage: true });
      await page.locator('section.around').screenshot({ path: `${artifacts}around-panel-390.png` });
      await page.close();
    },
  );

  it(
    'given a declined payment: the decline, the hold released and the rejection (by the failure workflow) in the timeline',
    { timeout: 120_000 },
    async () => {
      const coordinator = url('saga-coordinator');
      const booked = await fetch(`${url('bookings')}/api/v1/bookings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          customerId: `${run}-linus`,
          flightId: 'LH900-2027-06-01',
          passengers: [{ firstName: 'Linus', lastName: 'Torvalds' }],
          paymentToken: 'tok_decline',
        }),
      });
      expect(booked.status).toBe(202);
      const declinedId = String(((await booked.json()) as { bookingId: string }).bookingId);
      const failed = await waitFor(
        async () => {
          const { body } = await getJson<Execution[]>(
            `${coordinator}/api/workflow/book-flight/correlated/${declinedId}?includeClosed=true&includeTasks=true`,
          );
          return body[0]?.status === 'FAILED' ? body[0] : undefined;
        },
        { timeoutMs: 90_000, description: 'the book-flight saga failed' },
      );
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      page.setDefaultTimeout(30_000);
      await page.goto(`${coordinator}/ui/execution/${failed.workflowId}`);
      // the failure workflow carries the booking's correlation id too: its rejection shows here
      await page.locator('.around-table tr[data-type="BookingRejected"]').waitFor();
      const order = await Promise.all(
        (await page.locator('.around-table tbody tr').all()).map(async (tr) => String(await tr.getAttribute('data-type'))),
      );
      const at = (type: string) => order.indexOf(type);
      expect(at('PaymentDeclined')).toBeGreaterThan(at('SeatsHeld'));
      expect(at('SeatHoldReleased')).toBeGreaterThan(at('PaymentDeclined'));
      expect(at('BookingRejected')).toBeGreaterThan(at('SeatHoldReleased'));
      expect(order).not.toContain('BookingConfirmed');
      const text = await page.locator('.around-table').textContent();
      expect(text).toContain('release_hold dispatched');
      // the rejection's steps are the failure workflow's: named by their task type, linked to that execution
      expect(text).toContain('reject_booking dispatched in the failure workflow');
      expect(await page.getByRole('link', { name: 'the failure workflow' }).first().getAttribute('href')).toBe(
        `/ui/execution/${encodeURIComponent(`${failed.workflowId}:failure`)}`,
      );
      await page.locator('section.around').screenshot({ path: `${artifacts}around-panel-declined-1280.png` });
      await page.close();
    },
  );
});
