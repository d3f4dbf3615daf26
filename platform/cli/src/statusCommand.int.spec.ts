import { waggleServices } from '@waggle/launcher';
import { freePort, runCli } from '@waggle/testing';
import { describe, expect, it } from 'vitest';

describe('waggle status', () => {
  describe('given no service running where it looks', () => {
    it('lists each service as not answering, says how to point it elsewhere, and exits 1', async () => {
      const services = waggleServices.map((s) => ({ name: s.name, setting: `${s.name.toUpperCase().replaceAll('-', '_')}_URL` }));
      const env: NodeJS.ProcessEnv = { ...process.env };
      for (const { setting } of services) env[setting] = `http://127.0.0.1:${await freePort()}`;
      const result = await runCli(['status'], { env });
      expect(result.code).toBe(1);
      expect(services.map((s) => s.name)).toEqual(expect.arrayContaining(['flights', 'bookings', 'payments', 'saga-coordinator']));
      for (const { name, setting } of services) {
        expect(result.stdout).toMatch(new RegExp(`^${name} .*${env[setting] ?? ''} does not answer .*set ${setting}`, 'm'));
      }
      expect(result.stderr).toMatch(new RegExp(`${services.length} problem\\(s\\)`));
    });
  });
});
