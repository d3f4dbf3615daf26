import { createTopics } from '@waggle/kafka-bus';
import { runCli, uniqueName } from '@waggle/testing';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { cliEnv, jsonLines, recordCount } from '../fixtures/cliFixtures.ts';

const stack = inject('stack');
const env = cliEnv(stack);
const waggle = (...args: string[]) => runCli(args, { env });
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

const flight = (flightId: string, overrides: Record<string, unknown> = {}) => ({
  flightId,
  flightNumber: 'BA117',
  date: '2027-01-10',
  origin: 'LHR',
  destination: 'JFK',
  departureTime: '2027-01-10T08:00:00Z',
  capacity: 180,
  fareCents: 39_900,
  currency: 'GBP',
  ...overrides,
});

// the example system's own topics, as the services create them; payments.events has no consumer in it
beforeAll(() =>
  createTopics(
    stack.kafkaBrokers,
    ['flights.events', 'payments.events'].map((topic) => ({ topic, partitions: 3 })),
    { logger: quiet },
  ),
);

describe("waggle produce into a context's own topic", () => {
  it('refuses with exit 2, says why and where to go instead, and produces nothing', async () => {
    const before = await recordCount(stack, 'flights.events');
    const result = await waggle(
      'produce',
      'flights.events',
      '--type',
      'FlightScheduled',
      '--data',
      JSON.stringify(flight(uniqueName('BA117'))),
    );
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/flights\.events belongs to the flights context: its events are facts the flights service decided/);
    expect(result.stderr).toMatch(/REST API \(http:\/\/127\.0\.0\.1:3101\/openapi\.json/);
    expect(result.stderr).toMatch(/--create-topic/);
    expect(result.stderr).toMatch(/pass --force/);
    expect(await recordCount(stack, 'flights.events')).toBe(before);
  });

  it('produces with --force, warning that the owner never decided the records', async () => {
    const bookingId = uniqueName('B');
    const payment = { paymentId: `pay-${bookingId}`, bookingId, amountCents: 39_900, currency: 'GBP' };
    const result = await waggle('produce', 'payments.events', '--force', '--type', 'PaymentAuthorized', '--data', JSON.stringify(payment));
    expect(result.stderr).toMatch(/warning: --force: payments\.events belongs to the payments context; the payments service never decided/);
    expect(result.stdout.trim()).toBe('produced 1 record to payments.events');
    expect(result.code).toBe(0);
    const tailed = await waggle('tail', 'payments.events', '--from-beginning', '--json', '--key', bookingId, '--max', '1');
    expect(jsonLines(tailed.stdout)[0]).toMatchObject({ key: bookingId, type: 'waggle.payments.PaymentAuthorized', data: payment });
  });

  it('says what --force is for in --help', async () => {
    const help = await waggle('produce', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--force +produce to a context's own topic \(<context>\.events\)/);
    expect(help.stdout).toMatch(/A context's own topic \(<context>\.events, e\.g\. flights\.events\) is refused \(exit 2\)/);
  });
});

describe('waggle produce --create-topic', () => {
  it('creates a topic no context owns, then produces to it; without the flag a missing topic stays exit 2', async () => {
    const topic = uniqueName('try.flights');
    const data = JSON.stringify(flight('BA117-2027-01-10'));
    const missing = await waggle('produce', topic, '--type', 'FlightScheduled', '--data', data);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(`unknown topic ${topic}`);

    const created = await waggle('produce', topic, '--create-topic', '--type', 'FlightScheduled', '--data', data);
    expect(created.stderr).toMatch(`created topic ${topic} with 3 partitions`);
    expect(created.stdout.trim()).toBe(`produced 1 record to ${topic}`);
    expect(created.code).toBe(0);
    expect(await recordCount(stack, topic)).toBe(1);

    // a second run finds the topic there and just produces
    const again = await waggle('produce', topic, '--create-topic', '--type', 'FlightScheduled', '--data', data);
    expect(again.code).toBe(0);
    expect(again.stderr).not.toMatch('created topic');
    expect(await recordCount(stack, topic)).toBe(2);
  });
});
