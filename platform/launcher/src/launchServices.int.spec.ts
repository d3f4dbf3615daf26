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

  describe('given a service that does not stop on SIGTERM', () => {
    it('kills it after the grace period and says so', { timeout: 30_000 }, async () => {
      const written: string[] = [];
      const launched = await launchServices(
        [{ name: 'stubborn', entry: 'platform/launcher/fixtures/stubbornService.ts', port: await freePort(), try: '' }],
        { env: process.env, write: (line) => written.push(line), colour: false },
      );
      const child = launched.services[0]!.child;
      await launched.stop(500);
      expect(child.signalCode).toBe('SIGKILL');
      expect(written).toContain('[stubborn] did not stop within 0.5 s of SIGTERM; killed');
    });
  });
});
