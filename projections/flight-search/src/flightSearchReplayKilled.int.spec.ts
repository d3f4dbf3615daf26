import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ReplayStatus } from '@waggle/read-model';
import { freePort, uniqueName, waitFor } from '@waggle/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createFlightsTopic } from '../fixtures/flightsTopic.ts';

const stack = inject('stack');
const topic = uniqueName('flights-events');
const flights = createFlightsTopic({ brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl, topic });
const main = fileURLToPath(new URL('./main.ts', import.meta.url));
const date = '2026-12-01';
const flightIds = Array.from({ length: 40 }, (_, i) => `KL${1000 + i}-${date}`);
const holdsPerFlight = 500;
const total = flightIds.length * (holdsPerFlight + 1);

let port: number;
let child: ChildProcess | undefined;
const env = {
  ...process.env,
  KAFKA_BROKERS: stack.kafkaBrokers,
  SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
  MONGO_URL: stack.mongoUrl,
  MONGO_DB: uniqueName('flight-search-killed'),
  GROUP_ID: uniqueName('flight-search-killed'),
  FLIGHTS_TOPIC: topic,
  LOG_LEVEL: 'warn',
  // small batches, so the rebuild is seen under way before it ends (at 5,000 or even 100 a batch, 20k events were done within one progress tick)
  REPLAY_BATCH_RECORDS: '10',
  // and a checkpoint every 500 records, so that some of it is written before the kill
  REPLAY_FLUSH_RECORDS: '500',
};

/** flight-search as its own process, as `waggle start` runs it. */
const startProcess = (): ChildProcess => {
  const started = spawn(process.execPath, ['--import', 'tsx', main], {
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  child = started;
  return started;
};
const replayStatus = async (): Promise<ReplayStatus | undefined> => {
  const response = await fetch(`http://127.0.0.1:${port}/api/v1/replays`).catch(() => undefined);
  return response?.ok === true ? ((await response.json()) as ReplayStatus) : undefined;
};
const seatsLeft = async (): Promise<[string, unknown][]> =>
  Promise.all(
    flightIds.map(async (id) => {
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/flights/${id}`);
      return [id, ((await response.json()) as Record<string, unknown>)['seatsLeft']] as [string, unknown];
    }),
  );

beforeAll(async () => {
  port = await freePort();
  await flights.start();
  await flights.produce(flightIds.map((id) => flights.scheduled(id, 'AMS', 'JFK', date)));
  for (let round = 0; round < holdsPerFlight; round += 50)
    await flights.produce(flightIds.flatMap((id) => Array.from({ length: 50 }, () => flights.held(id, 1))));
  startProcess();
}, 120_000);

afterAll(async () => {
  child?.kill('SIGKILL');
  await flights.stop();
});

describe('a rebuild whose process is killed half-way', () => {
  it('resumes from its durable offsets after a restart and finishes with the same result', async () => {
    const oracle = await flights.seatsLeftFromTopic();
    await waitFor(async () => (await replayStatus()) !== undefined && (await seatsLeft()).every(([id, left]) => left === oracle.get(id)), {
      description: 'version 1 to reflect the topic',
      timeoutMs: 120_000,
    });
    const begun = await fetch(`http://127.0.0.1:${port}/api/v1/replays`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ requireEqual: true }),
    });
    expect(begun.status).toBe(202);

    // records written (the documents, then the offsets they reflect): where a restart goes on from
    let doneAtKill = 0;
    await waitFor(
      async () => {
        const v2 = (await replayStatus())?.versions.find((v) => v.version === 2);
        doneAtKill = v2?.offsets.reduce((sum, o) => sum + o.offset + 1, 0) ?? 0;
        return doneAtKill > 0;
      },
      { description: 'the rebuild to have written a checkpoint', timeoutMs: 60_000, intervalMs: 50 },
    );
    child?.kill('SIGKILL');
    expect(doneAtKill).toBeLessThan(total);

    startProcess();
    let resumedAt: number | undefined;
    await waitFor(
      async () => {
        const status = await replayStatus();
        resumedAt ??= status?.progress?.partitions.reduce((sum, p) => sum + p.done, 0);
        return status?.pointer.version === 2;
      },
      { description: 'the restarted process to finish the rebuild and switch', timeoutMs: 120_000, intervalMs: 100 },
    );
    // it went on from where its offsets were, not from the beginning
    expect(resumedAt).toBeGreaterThanOrEqual(doneAtKill);
    const v2 = (await replayStatus())?.versions.find((v) => v.version === 2);
    expect(v2?.verification).toMatchObject({ equal: true, sameOffsets: true });
    expect(await seatsLeft()).toEqual(flightIds.map((id) => [id, oracle.get(id)]));
  }, 300_000);
});
