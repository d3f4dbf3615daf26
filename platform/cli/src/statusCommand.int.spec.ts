import { freePort, runCli } from '@waggle/testing';
import { describe, expect, it } from 'vitest';

describe('waggle status', () => {
  describe('given no service running where it looks', () => {
    it('lists each service as not answering, says how to point it elsewhere, and exits 1', async () => {
      const env = {
        ...process.env,
        FLIGHTS_URL: `http://127.0.0.1:${await freePort()}`,
        BOOKINGS_URL: `http://127.0.0.1:${await freePort()}`,
        FLIGHT_SEARCH_URL: `http://127.0.0.1:${await freePort()}`,
        CUSTOMER_BOOKINGS_URL: `http://127.0.0.1:${await freePort()}`,
        SAGA_COORDINATOR_URL: `http://127.0.0.1:${await freePort()}`,
      };
      const result = await runCli(['status'], { env });
      expect(result.code).toBe(1);
      for (const [name, setting] of [
        ['flights', 'FLIGHTS_URL'],
        ['bookings', 'BOOKINGS_URL'],
        ['flight-search', 'FLIGHT_SEARCH_URL'],
        ['customer-bookings', 'CUSTOMER_BOOKINGS_URL'],
        ['saga-coordinator', 'SAGA_COORDINATOR_URL'],
      ]) {
        expect(result.stdout).toMatch(new RegExp(`^${name} .*${env[setting as 'FLIGHTS_URL']} does not answer .*set ${setting}`, 'm'));
      }
      expect(result.stderr).toMatch(/5 problem\(s\)/);
    });
  });
});
