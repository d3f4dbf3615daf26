import { Agent, request } from 'node:http';
import { openMongoEventStore } from '@waggle/event-store';
import { createTailReader } from '@waggle/kafka-bus';
import { freePort, uniqueName, waitFor } from '@waggle/testing';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { launchServices, type Launched } from './launchServices.ts';
import { topicsOf, waggleServices } from './services.ts';

const stack = inject('stack');
const run = uniqueName('graceful-stop');
const bookingsTopic = `${run}.bookings.events`;
const database = `${run}-bookings`;
/** How long a stop under load may take; the launcher kills at 15 s and the service itself at 20 s. */
const stopBoundMs = 10_000;
let system: Launched | undefined;
afterAll(() => system?.stop(2_000));

type Answer = { status: number; bookingId?: string; answeredAfterSigterm: boolean };

const postBooking = (agent: Agent, port: number, n: number): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    const body = JSON.stringify({
      customerId: `${run}-c${n}`,
      flightId: 'LH400-2027-03-14',
      passengers: [{ firstName: 'Ada', lastName: 'Lovelace' }],
    });
    const req = request(
      { host: '127.0.0.1', port, path: '/api/v1/bookings', method: 'POST', agent, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });

describe('bookings stopped with SIGTERM under steady keep-alive traffic', () => {
  it('exits cleanly within the bound, and every booking it answered 202 is stored and on Kafka', { timeout: 120_000 }, async () => {
    const spec = waggleServices.find((s) => s.name === 'bookings')!;
    const port = await freePort();
    system = await launchServices([{ ...spec, port, env: { MONGO_DB: database } }], {
      env: {
        ...process.env,
        KAFKA_BROKERS: stack.kafkaBrokers,
        SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
        MONGO_URL: stack.mongoUrl,
        ...topicsOf(run),
        BOOKINGS_TOPIC: bookingsTopic,
        LOG_LEVEL: 'warn',
      },
      write: () => {},
      colour: false,
    });
    const child = system.services[0]!.child;
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
    );

    // two clients, each keeping its one connection busy back to back, until the process is gone
    const answers: Answer[] = [];
    const sigterm: { at?: number } = {};
    let exited = false;
    let sent = 0;
    let attemptsAfterSigterm = 0;
    const client = async (): Promise<void> => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      while (!exited) {
        if (sigterm.at !== undefined) attemptsAfterSigterm += 1;
        try {
          const answer = await postBooking(agent, port, sent++);
          answers.push({
            status: answer.status,
            answeredAfterSigterm: sigterm.at !== undefined,
            ...(answer.status === 202 ? { bookingId: (JSON.parse(answer.body) as { bookingId: string }).bookingId } : {}),
          });
        } catch {
          // refused or reset once the server has closed: keep trying until the process has exited
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
      agent.destroy();
    };
    const clients = [client(), client()];
    await waitFor(() => answers.filter((a) => a.status === 202).length >= 50, { description: '50 bookings accepted' });

    const sigtermAt = Date.now();
    sigterm.at = sigtermAt;
    child.kill('SIGTERM');
    const { code, signal, at } = await Promise.race([
      exit,
      new Promise<{ code: null; signal: null; at: number }>((resolve) =>
        setTimeout(() => resolve({ code: null, signal: null, at: Date.now() }), stopBoundMs + 5_000),
      ),
    ]);
    exited = true;
    await Promise.all(clients);

    console.info(
      `stopped in ${at - sigtermAt} ms; ${answers.filter((a) => a.status === 202).length} accepted, ` +
        `${answers.filter((a) => a.answeredAfterSigterm && a.status === 202).length} of them answered after SIGTERM, ` +
        `${answers.filter((a) => a.status === 503).length} told 503, ${attemptsAfterSigterm} attempts after SIGTERM`,
    );
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(at - sigtermAt).toBeLessThan(stopBoundMs);
    // the scenario: the clients kept their connections busy after SIGTERM
    expect(attemptsAfterSigterm).toBeGreaterThan(0);
    // a request that came too late is told to retry elsewhere, never half served
    expect(answers.filter((a) => a.status !== 202 && a.status !== 503)).toEqual([]);

    const accepted = answers.flatMap((a) => (a.bookingId === undefined ? [] : [a.bookingId]));
    const opened = await openMongoEventStore({ url: stack.mongoUrl, database });
    try {
      const versions = await Promise.all(accepted.map(async (id) => (await opened.store.readStream(id)).version));
      expect(accepted.filter((_, i) => versions[i] !== 1)).toEqual([]);
    } finally {
      await opened.close();
    }
    const published = new Set<string>();
    const tail = createTailReader({
      brokers: stack.kafkaBrokers,
      topic: bookingsTopic,
      fromBeginning: true,
      onRecord: (record) => {
        if (record.key) published.add(record.key.toString());
      },
    });
    await tail.start();
    try {
      await waitFor(() => accepted.every((id) => published.has(id)), {
        timeoutMs: 15_000,
        description: `all ${accepted.length} accepted bookings on ${bookingsTopic}`,
      }).catch(() => undefined);
      expect(accepted.filter((id) => !published.has(id))).toEqual([]);
    } finally {
      await tail.stop();
    }
  });
});
