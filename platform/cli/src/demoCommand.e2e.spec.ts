import { launchServices, topicsOf, waggleServices, type Launched } from '@waggle/launcher';
import { freePort, runCli, uniqueName } from '@waggle/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cliEnv } from '../fixtures/cliFixtures.ts';

const stack = inject('stack');
const run = uniqueName('demo');
let system: Launched;

/** The CLI's view of the system: every service where the launcher put it, overridable one by one. */
const envFor = (overrides: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...cliEnv(stack),
  ...Object.fromEntries(system.services.map((s) => [`${s.name.toUpperCase().replaceAll('-', '_')}_URL`, s.url])),
  ...overrides,
});

beforeAll(async () => {
  const specs = [];
  for (const spec of waggleServices)
    specs.push({ ...spec, port: await freePort(), env: { MONGO_DB: `${run}-${spec.name}`, GROUP_ID: `${run}-${spec.name}` } });
  system = await launchServices(specs, {
    env: {
      ...cliEnv(stack),
      ...topicsOf(run),
      LOG_LEVEL: 'warn',
    },
    write: () => {},
    colour: false,
  });
}, 180_000);
afterAll(() => system?.stop());

describe('waggle demo', () => {
  it(
    'exits 0 once every booking it requested is decided, and 1 saying what did not settle within the wait',
    { timeout: 120_000 },
    async () => {
      const settled = await runCli(['demo'], { env: envFor() });
      expect(settled.stderr).toBe('');
      expect(settled.code).toBe(0);
      // the outcomes twice: once decided, once after the cancellation
      const outcomes = settled.stdout.split('\n').filter((line) => /^(ada|grace|alan|linus): /.test(line));
      expect(outcomes).toHaveLength(10);
      const final = outcomes.slice(5).map((line) => line.replace(/ [A-Z0-9]+-\d{4}-\d{2}-\d{2} /, ' '));
      expect(final.sort()).toEqual([
        'ada: cancelled (plans changed), payment refunded',
        'ada: confirmed, payment captured',
        'alan: rejected (not enough seats left), payment none',
        'grace: confirmed, payment captured',
        'linus: rejected (payment declined: card declined), payment declined',
      ]);

      // the same demo again (idempotent), with the read model out of reach
      const nowhere = `http://127.0.0.1:${await freePort()}`;
      const began = Date.now();
      const unsettled = await runCli(['demo'], { env: envFor({ CUSTOMER_BOOKINGS_URL: nowhere }) });
      expect(unsettled.code).toBe(1);
      expect(unsettled.stderr).toMatch(
        new RegExp(`^waggle: the demo's bookings did not settle within 30 s: customer-bookings \\(${nowhere}\\) does not answer`),
      );
      expect(unsettled.stderr).toMatch(/npx waggle status shows which service is behind or stuck; --wait gives it longer/);
      // it waited as long as it said, not less
      expect(Date.now() - began).toBeGreaterThanOrEqual(30_000);
    },
  );

  it('takes --wait in whole seconds: a bad value is bad usage (exit 2)', async () => {
    const result = await runCli(['demo', '--wait', 'soon'], { env: envFor() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--wait <seconds>.*expected a positive whole number of seconds/);
  });
});
