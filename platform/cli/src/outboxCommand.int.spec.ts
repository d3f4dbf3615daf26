import { runCli, uniqueName } from '@waggle/testing';
import { MongoClient } from 'mongodb';
import { describe, expect, inject, it } from 'vitest';
import { cliEnv } from '../fixtures/cliFixtures.ts';

const stack = inject('stack');
const env = cliEnv(stack);
const waggle = (...args: string[]) => runCli(args, { env });

// the whole flow (a blocked lane, a dry run, --yes, the lane moving on) is in platform/outbox-relay's outboxQuarantine spec
describe('waggle outbox quarantine', () => {
  describe('given arguments that cannot name an entry', () => {
    it('exits 2 with a message naming the argument, before touching any database', async () => {
      const zero = await waggle('outbox', 'quarantine', 'bookings', '0', '0');
      expect(zero.code).toBe(2);
      expect(zero.stderr).toMatch(/<seq> must be an integer ≥ 1, got "0"/);
      const lane = await waggle('outbox', 'quarantine', 'bookings', '-1', '3');
      expect(lane.code).toBe(2);
      const missing = await waggle('outbox', 'quarantine', 'bookings');
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/missing required argument 'lane'/);
    });
  });

  describe('given a database where no relay ever ran (a misspelt service)', () => {
    it('exits 2 and says so, creating nothing there', async () => {
      const service = uniqueName('no-such-service');
      const run = await waggle('outbox', 'quarantine', service, '1', '3', '--reason', 'test', '--yes');
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(new RegExp(`no outbox relay has run in the database of ${service}`));
      const client = await MongoClient.connect(stack.mongoUrl);
      try {
        expect(await client.db(service).listCollections().toArray()).toEqual([]);
      } finally {
        await client.close();
      }
    });
  });
});
