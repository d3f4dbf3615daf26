import { freePort } from '@waggle/testing';
import { describe, expect, it } from 'vitest';
import { launchServices } from './launchServices.ts';

describe('launchServices', () => {
  describe('given a service that exits while starting', () => {
    it('fails naming the service, its exit code and its last output', { timeout: 30_000 }, async () => {
      const written: string[] = [];
      const launching = launchServices(
        [{ name: 'broken', entry: 'platform/launcher/fixtures/failingService.ts', port: await freePort(), try: '' }],
        { env: process.env, write: (line) => written.push(line), colour: false },
      );
      await expect(launching).rejects.toThrow(
        /^broken exited with code 1 while starting; its last output:\n(.*\n)?.*MongoServerSelectionError: connect ECONNREFUSED/,
      );
      expect(written).toContain('[broken] starting');
    });
  });
});
