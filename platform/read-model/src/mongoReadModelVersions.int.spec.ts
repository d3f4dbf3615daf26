import { setTimeout as delay } from 'node:timers/promises';
import { uniqueName } from '@waggle/testing';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createReadModelVersions } from './mongoReadModelVersions.ts';

const stack = inject('stack');
const mongo = new MongoClient(stack.mongoUrl);

beforeAll(() => mongo.connect());
afterAll(() => mongo.close());

describe('the versions of a read model', () => {
  describe('given a rebuild two instances want to feed', () => {
    it('lets one claim it, renews that claim, and hands it to the other only once it ran out', async () => {
      const versions = createReadModelVersions(mongo.db(uniqueName('read-model-versions')), 'totals');
      await versions.ensure();
      const { version } = await versions.begin({
        source: { kind: 'kafka' },
        settings: { switch: true, requireEqual: false, lagThreshold: 0 },
      });

      const [a, b] = await Promise.all([versions.claimFeed(version, 'a', 400), versions.claimFeed(version, 'b', 400)]);
      expect([a, b].filter(Boolean)).toHaveLength(1);
      const [holder, other] = a ? ['a', 'b'] : ['b', 'a'];
      expect(await versions.claimFeed(version, holder, 400)).toBe(true);
      expect(await versions.claimFeed(version, other, 400)).toBe(false);
      expect((await versions.list()).find((v) => v.version === version)?.feeder?.owner).toBe(holder);

      await delay(500);
      expect(await versions.claimFeed(version, other, 400)).toBe(true);
      expect(await versions.claimFeed(version, holder, 400)).toBe(false);
    });
  });
});
