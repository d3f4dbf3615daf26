import { setTimeout as delay } from 'node:timers/promises';
import { createMongoEventStore, type NewEvent } from '@waggle/event-store';
import { uniqueName, waitFor } from '@waggle/testing';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createMongoRelayLedger } from './mongoRelayLedger.ts';
import { createOutboxRelay } from './outboxRelay.ts';

const monitored = new MongoClient(inject('stack').mongoUrl, { monitorCommands: true });
afterAll(() => monitored.close());

const counted = (n: number): NewEvent => ({
  type: 'Counted',
  data: { n },
  metadata: { eventId: `idle-${n}`, correlationId: 'idle', causationId: 'idle', occurredAt: new Date().toISOString() },
});

describe('outbox relay with nothing to publish', () => {
  describe('given 4 lanes quiet for over a second', () => {
    it('reads each lane about once a second, and still publishes an append at once when woken, within a second when not', async () => {
      const db = monitored.db(uniqueName('relay-idle'));
      let commands = 0;
      monitored.on('commandStarted', (e) => {
        if (e.databaseName === db.databaseName) commands++;
      });
      const store = createMongoEventStore({ db, lanes: 4 });
      await store.start();
      const published: string[] = [];
      const relay = createOutboxRelay({
        store,
        ledger: createMongoRelayLedger({ db }),
        toRecords: (events) => Promise.resolve(events.map((e) => ({ topic: 't', key: e.streamId, value: Buffer.from(''), headers: {} }))),
        publish: (records) => Promise.resolve(void published.push(...records.map((r) => r.key))),
      });
      try {
        await relay.start();
        await waitFor(() => relay.status().every((l) => l.state === 'relaying'), { description: 'lanes started' });
        // a measured stretch of time, not a wait for something: the quiet lanes' reads are what is counted
        await delay(1_500);
        const before = commands;
        await delay(3_000);
        // one read per lane and second (12), with room for the back-off still reaching 1 s; busy polling is hundreds
        expect(commands - before).toBeLessThanOrEqual(40);

        // an append by another instance: nobody wakes this relay, its next poll finds it
        let began = performance.now();
        await store.append('unwoken-1', [counted(1)], { expectedVersion: 0 });
        await waitFor(() => published.includes('unwoken-1'), { intervalMs: 5, timeoutMs: 3_000, description: 'the append published' });
        expect(performance.now() - began).toBeLessThan(1_500);

        await delay(1_500);
        began = performance.now();
        await store.append('woken-1', [counted(2)], { expectedVersion: 0 });
        relay.wake();
        await waitFor(() => published.includes('woken-1'), { intervalMs: 5, timeoutMs: 3_000, description: 'the append published' });
        expect(performance.now() - began).toBeLessThan(500);
      } finally {
        await relay.stop();
      }
    });
  });
});
