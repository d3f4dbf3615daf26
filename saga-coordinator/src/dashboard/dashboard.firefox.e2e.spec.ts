import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { createInMemoryEventStore } from '@waggle/event-store';
import type { Task, TaskOutcome, TaskWorker } from '@waggle/task-worker';
import { uniqueName, waitFor } from '@waggle/testing';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningCoordinator } from '../service/startCoordinator.ts';
import { conductorClient } from '../service/testing/conductorClient.ts';
import { startTestCoordinator, startTestWorkers, testCoordinatorConfig } from '../service/testing/startTestCoordinator.ts';

// a smoke run of the dashboard in Firefox (Debian's firefox-esr, driven over WebDriver BiDi by puppeteer-core, since
// playwright-core drives only its own Firefox build): the list, an execution's diagram, an operator action
const firefoxPath = process.env['FIREFOX_PATH'] ?? '/usr/bin/firefox-esr';
const hasFirefox = existsSync(firefoxPath);
if (!hasFirefox) console.warn(`Firefox smoke skipped: no Firefox at ${firefoxPath} (apt-get install firefox-esr, or set FIREFOX_PATH)`);

const stack = inject('stack');
const run = uniqueName('dashboard-ff');
const artifacts = fileURLToPath(new URL('../../../.waggle/artifacts/dashboard/', import.meta.url));
let coordinator: RunningCoordinator;
let workers: TaskWorker;
let browser: Browser;
const { api, ended, workflow } = conductorClient(() => coordinator.url);
const answer = (task: Task): TaskOutcome =>
  task.taskType === 'hold_seats'
    ? { status: 'COMPLETED', outputData: { holdId: `hold-${String(task.input['bookingId'])}`, amountCents: 90_000, currency: 'EUR' } }
    : task.taskType === 'authorize_payment'
      ? { status: 'COMPLETED', outputData: { paymentId: `pay-${String(task.input['bookingId'])}`, status: 'AUTHORIZED' } }
      : { status: 'COMPLETED', outputData: {} };
const waiting = {
  name: `${run}-wait`,
  version: 1,
  ownerEmail: 'ui@waggle.example',
  tasks: [{ name: 'wait', taskReferenceName: 'wait_for_operator', type: 'WAIT' }],
};

const openPage = async (width = 1280, height = 800): Promise<Page> => {
  const page = await browser.newPage();
  await page.setViewport({ width, height });
  page.setDefaultTimeout(15_000);
  return page;
};
// strings, not functions: the tests' TypeScript knows no DOM
const attribute = (page: Page, selector: string, name: string): Promise<unknown> =>
  page.evaluate(`document.querySelector(${JSON.stringify(selector)})?.getAttribute(${JSON.stringify(name)}) ?? null`);
const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** axe-core's serious and critical violations on the page as Firefox renders it. */
const seriousViolations = async (page: Page): Promise<unknown> => {
  await page.addScriptTag({ content: axeSource });
  return page.evaluate(`axe.run(document).then((result) => result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', ')))`);
};
const shoot = (page: Page, name: string) => page.screenshot({ path: `${artifacts}${name}.png`, fullPage: true });

beforeAll(async () => {
  if (!hasFirefox) return;
  await mkdir(artifacts, { recursive: true });
  coordinator = await startTestCoordinator(
    testCoordinatorConfig(
      stack,
      { prefix: run, database: run },
      { SAGA_WORKFLOWS_DIR: fileURLToPath(new URL('../../workflows/', import.meta.url)) },
    ),
  );
  workers = await startTestWorkers(stack, {
    prefix: run,
    name: `${run}-airline`,
    store: createInMemoryEventStore(),
    taskTypes: ['hold_seats', 'release_seats', 'confirm_seats', 'authorize_payment', 'capture_payment', 'void_payment', 'confirm_booking'],
    answer,
  });
  expect((await api('POST', '/api/metadata/workflow', waiting)).status).toBeLessThan(300);
  browser = await puppeteer.launch({ browser: 'firefox', executablePath: firefoxPath, headless: true, protocol: 'webDriverBiDi' });
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await workers?.stop();
  await coordinator?.stop();
});

describe.skipIf(!hasFirefox)('the dashboard in Firefox', () => {
  it('given a completed booking: the list shows it, its page draws the diagram with the statuses', async () => {
    const bookingId = `ok-ff-${run}`;
    const started = await api('POST', '/api/workflow', {
      name: 'book-flight',
      correlationId: bookingId,
      input: { bookingId, customerId: 'c1', flightId: 'LH400-2027-01-01', seats: 1, paymentToken: 'tok_visa' },
    });
    expect(started.status, started.text).toBe(200);
    const id = started.text;
    expect((await ended(id)).status).toBe('COMPLETED');
    const page = await openPage();
    await page.goto(`${coordinator.url}/ui/`);
    await page.waitForSelector(`tr[data-id="${id}"] [data-status="COMPLETED"]`);
    await shoot(page, 'firefox-executions-1280');
    await page.goto(`${coordinator.url}/ui/execution/${encodeURIComponent(id)}`);
    await page.waitForSelector('svg .node[data-ref="capture"]');
    for (const ref of ['hold', 'authorize', 'confirm_booking', 'confirm_seats', 'capture'])
      expect(await attribute(page, `svg .node[data-ref="${ref}"]`, 'data-status')).toBe('COMPLETED');
    await page.locator('svg .node[data-ref="authorize"]').click();
    await page.waitForFunction(`document.querySelector('.task-detail')?.textContent.includes('pay-${bookingId}')`);
    await shoot(page, 'firefox-execution-1280');
    expect(await seriousViolations(page)).toEqual([]);
    await page.close();
  });

  it('given a running execution: pause from the page with a name and a reason, reflected in the API', async () => {
    const started = await api('POST', '/api/workflow', { name: waiting.name, input: {} });
    expect(started.status, started.text).toBe(200);
    const id = started.text;
    await waitFor(async () => (await workflow(id)).tasks.some((t) => t.status === 'IN_PROGRESS'), { description: 'the WAIT task' });
    const page = await openPage(390, 844);
    await page.goto(`${coordinator.url}/ui/execution/${encodeURIComponent(id)}`);
    await page.locator('button[data-action="pause"]').click();
    await page.locator('dialog input[name="operator"]').fill('Firefox Fan');
    await page.locator('dialog input[name="why"]').fill('smoke test');
    await page.locator('dialog button[type="submit"]').click();
    await page.waitForSelector('button[data-action="resume"]');
    const paused = (await workflow(id)) as Awaited<ReturnType<typeof workflow>> & {
      operatorActions?: { actor: string; reason?: string }[];
    };
    expect(paused.status).toBe('PAUSED');
    expect(paused.operatorActions).toMatchObject([{ action: 'PauseWorkflow', actor: 'Firefox Fan', reason: 'smoke test' }]);
    await shoot(page, 'firefox-execution-paused-390');
    await page.close();
  });
});
