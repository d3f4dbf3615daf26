import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { createInMemoryEventStore } from '@waggle/event-store';
import type { Task, TaskOutcome, TaskWorker } from '@waggle/task-worker';
import { uniqueName, waitFor } from '@waggle/testing';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningCoordinator } from '../service/startCoordinator.ts';
import { conductorClient, type WorkflowJson } from '../service/testing/conductorClient.ts';
import { startTestCoordinator, startTestWorkers, testCoordinatorConfig } from '../service/testing/startTestCoordinator.ts';

// the dashboard in headless Chromium against a real coordinator (bundled airline definitions, contract workers over
// Kafka): what an operator sees and does, checked against what the REST API says
const stack = inject('stack');
const run = uniqueName('dashboard');
const artifacts = fileURLToPath(new URL('../../../.waggle/artifacts/dashboard/', import.meta.url));
const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
let coordinator: RunningCoordinator;
let workers: TaskWorker;
let browser: Browser;
const { api, ended, workflow } = conductorClient(() => coordinator.url);

const answer = (task: Task): TaskOutcome => {
  const bookingId = String(task.input['bookingId']);
  switch (task.taskType) {
    case 'hold_seats':
      return { status: 'COMPLETED', outputData: { holdId: `hold-${bookingId}`, amountCents: 90_000, currency: 'EUR' } };
    case 'authorize_payment':
      return bookingId.startsWith('decline-')
        ? { status: 'FAILED_WITH_TERMINAL_ERROR', reasonForIncompletion: 'payment declined: card declined' }
        : { status: 'COMPLETED', outputData: { paymentId: `pay-${bookingId}`, status: 'AUTHORIZED' } };
    default:
      return { status: 'COMPLETED', outputData: {} };
  }
};
const taskTypes = [
  'hold_seats',
  'release_seats',
  'confirm_seats',
  'authorize_payment',
  'capture_payment',
  'void_payment',
  'confirm_booking',
  'reject_booking',
];

// an execution that waits (for a signal that never comes) until an operator acts on it
const waiting = {
  name: `${run}-wait`,
  version: 1,
  ownerEmail: 'ui@waggle.example',
  schemaVersion: 2,
  tasks: [
    { name: 'wait', taskReferenceName: 'wait_for_operator', type: 'WAIT' },
    { name: 'note', taskReferenceName: 'after_wait', type: 'SET_VARIABLE', inputParameters: { waited: true } },
  ],
};

const startBooking = async (bookingId: string): Promise<string> => {
  const started = await api('POST', '/api/workflow', {
    name: 'book-flight',
    correlationId: bookingId,
    input: { bookingId, customerId: 'c1', flightId: 'LH400-2027-01-01', seats: 2, paymentToken: 'tok_visa' },
  });
  expect(started.status, started.text).toBe(200);
  return started.text;
};
const startWaiting = async (): Promise<string> => {
  const started = await api('POST', '/api/workflow', { name: waiting.name, input: { who: 'operator' } });
  expect(started.status, started.text).toBe(200);
  return started.text;
};
const statusOf = async (id: string): Promise<WorkflowJson> => workflow(id);

const openPage = async (width = 1280, height = 800): Promise<Page> => {
  const page = await browser.newPage({ viewport: { width, height } });
  page.setDefaultTimeout(15_000);
  return page;
};
/** The focused element's data-action, else its tag name. */
const focused = async (page: Page): Promise<string> =>
  String(await page.evaluate(`document.activeElement?.getAttribute('data-action') ?? document.activeElement?.tagName ?? ''`));
const shoot = (page: Page, name: string) => page.screenshot({ path: `${artifacts}${name}.png`, fullPage: true });

/** axe-core's serious and critical violations on the page as it is. */
const seriousViolations = async (page: Page): Promise<string[]> => {
  await page.addScriptTag({ content: axeSource });
  // strings, not functions: the tests' TypeScript knows no DOM
  const found = await page.evaluate<
    { id: string; impact: string; targets: string[] }[]
  >(`axe.run(document).then((result) => result.violations.map((v) => ({
    id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')),
  })))`);
  return found
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.targets.join(', ')}`);
};

beforeAll(async () => {
  await mkdir(artifacts, { recursive: true });
  coordinator = await startTestCoordinator(
    testCoordinatorConfig(
      stack,
      { prefix: run, database: run },
      // the 1,000-branch fork's start decision may take longer than the default 15 s on a busy machine
      { SAGA_WORKFLOWS_DIR: fileURLToPath(new URL('../../workflows/', import.meta.url)), SAGA_REPLY_TIMEOUT_MS: '90000' },
    ),
  );
  workers = await startTestWorkers(stack, { prefix: run, name: `${run}-airline`, store: createInMemoryEventStore(), taskTypes, answer });
  const registered = await api('POST', '/api/metadata/workflow', waiting);
  expect(registered.status, registered.text).toBeLessThan(300);
  browser = await chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await workers?.stop();
  await coordinator?.stop();
});

describe('the executions list', () => {
  it('given no execution yet: says how to start one', async () => {
    const page = await openPage();
    await page.goto(`${coordinator.url}/ui/`);
    await expect.poll(() => page.locator('.note.empty').textContent()).toContain('No executions yet');
    expect(await page.locator('.note.empty').textContent()).toContain(`${coordinator.url}/api/workflow`);
    await shoot(page, 'executions-empty-1280');
    await page.close();
  });

  it('given the list open: an execution started through the API shows up live as "1 new", then as a row', async () => {
    const page = await openPage();
    await page.goto(`${coordinator.url}/ui/`);
    await page.locator('.live-dot.on').waitFor();
    const id = await startBooking(`ok-${run}`);
    await page.getByRole('button', { name: /1 new/ }).waitFor();
    expect(await page.locator(`tr[data-id="${id}"]`).count()).toBe(0);
    await page.getByRole('button', { name: /1 new/ }).click();
    await page.locator(`tr[data-id="${id}"]`).waitFor();
    await ended(id);
    await expect.poll(() => page.locator(`tr[data-id="${id}"] [data-status]`).first().getAttribute('data-status')).toBe('COMPLETED');
    await shoot(page, 'executions-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    await shoot(page, 'executions-390');
    expect(await seriousViolations(page)).toEqual([]);
    await page.close();
  });

  it('given filters in the URL: the same view after a reload, and the API unreachable names the URL', async () => {
    const failed = await startBooking(`decline-filter-${run}`);
    await ended(failed);
    const page = await openPage();
    await page.goto(`${coordinator.url}/ui/`);
    await page.getByRole('checkbox', { name: 'FAILED' }).check();
    await page.getByRole('checkbox', { name: 'book-flight', exact: true }).check();
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/status=FAILED/);
    expect(new URL(page.url()).searchParams.getAll('name')).toEqual(['book-flight']);
    const rows = async () => Promise.all((await page.locator('tbody tr').all()).map((tr) => tr.getAttribute('data-id')));
    await expect.poll(rows).toContain(failed);
    await page.reload();
    await expect.poll(rows).toEqual([failed]);
    expect(await page.getByRole('checkbox', { name: 'FAILED' }).isChecked()).toBe(true);
    await page.locator('th button', { hasText: 'Started' }).click();
    await page.waitForURL(/sort=startTime%3AASC/);
    await page.reload();
    expect(await page.locator('th[aria-sort="ascending"]').textContent()).toContain('Started');

    // a correlation id and a time range from a link select the same executions in a fresh page
    const since = new Date(Date.now() - 3_600_000);
    const local = new Date(since.getTime() - since.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    await page.goto(`${coordinator.url}/ui/?correlationId=${encodeURIComponent(`decline-filter-${run}`)}&from=${local}`);
    // the failure workflow carries the booking's correlation id too
    await expect.poll(rows).toEqual([`${failed}:failure`, failed]);
    expect(await page.getByLabel('Correlation id / business key').inputValue()).toBe(`decline-filter-${run}`);
    expect(await page.getByLabel('Started after').inputValue()).toBe(local);
    await page.goto(`${coordinator.url}/ui/?correlationId=${encodeURIComponent(`decline-filter-${run}`)}&to=${local}`);
    await expect.poll(() => page.locator('.note.empty').textContent()).toContain('No execution matches these filters');

    await page.route('**/api/workflow/search**', (route) => route.abort('connectionrefused'));
    await page.reload();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain(`${coordinator.url}/api/workflow/search`);
    await shoot(page, 'executions-unreachable-1280');
    await page.close();
  });
});

describe('the executions list on a 390-px phone', () => {
  it('given filters in the URL: the form folds behind a "Filters" button that counts them, reachable by keyboard; open on desktop', async () => {
    const page = await openPage(390, 844);
    await page.goto(`${coordinator.url}/ui/?name=book-flight&status=FAILED&status=COMPLETED`);
    const toggle = page.getByRole('button', { name: /Filters/ });
    await expect.poll(() => toggle.textContent()).toContain('2 active');
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    expect(await page.getByRole('checkbox', { name: 'FAILED' }).isVisible()).toBe(false);
    // what the folded form hides, in a line
    expect(await page.locator('.filters-summary').textContent()).toBe('book-flight · failed, completed');
    // the rows of the earlier tests' bookings, or (run alone) the empty note
    await page.locator('tbody tr, .note.empty').first().waitFor();
    await shoot(page, 'executions-filters-closed-390');
    expect(await seriousViolations(page)).toEqual([]);
    // keyboard only: Tab to the button, Enter opens the form, the next Tab is in it
    const reached: string[] = [];
    for (let i = 0; i < 20 && !reached.includes('filters'); i += 1) {
      await page.keyboard.press('Tab');
      reached.push(String(await page.evaluate(`document.activeElement?.classList.contains('filters-toggle') ? 'filters' : ''`)));
    }
    expect(reached).toContain('filters');
    await page.keyboard.press('Enter');
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    expect(await page.getByRole('checkbox', { name: 'FAILED' }).isChecked()).toBe(true);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(`document.activeElement?.closest('form.filters') !== null`)).toBe(true);
    await shoot(page, 'executions-filters-open-390');
    expect(await seriousViolations(page)).toEqual([]);
    // applied, the form folds again and the URL holds the filters
    await page.getByRole('checkbox', { name: 'COMPLETED' }).uncheck();
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => toggle.getAttribute('aria-expanded')).toBe('false');
    expect(new URL(page.url()).searchParams.getAll('status')).toEqual(['FAILED']);
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(await toggle.isVisible()).toBe(false);
    expect(await page.getByRole('checkbox', { name: 'FAILED' }).isVisible()).toBe(true);
    await page.close();
  });
});

describe('paging', () => {
  it('given 27 executions of a workflow: 25 a page, the second page in the URL shows the 2 oldest', async () => {
    const paged = { ...waiting, name: `${run}-paged` };
    expect((await api('POST', '/api/metadata/workflow', paged)).status).toBeLessThan(300);
    const ids: string[] = [];
    for (let i = 0; i < 27; i += 1) {
      const started = await api('POST', '/api/workflow', { name: paged.name, input: { i } });
      expect(started.status, started.text).toBe(200);
      ids.push(started.text);
    }
    const page = await openPage();
    await page.goto(`${coordinator.url}/ui/?name=${encodeURIComponent(paged.name)}`);
    await expect.poll(() => page.locator('tbody tr').count()).toBe(25);
    expect(await page.locator('.pager').textContent()).toContain('1–25 of 27');
    await page.getByRole('button', { name: 'Older →' }).click();
    await page.waitForURL(/page=2/);
    const rows = async () => Promise.all((await page.locator('tbody tr').all()).map((tr) => tr.getAttribute('data-id')));
    await expect.poll(rows).toEqual([ids[1], ids[0]]);
    await page.reload();
    await expect.poll(rows).toEqual([ids[1], ids[0]]);
    expect(await page.locator('.pager').textContent()).toContain('26–27 of 27');
    expect(await page.getByRole('button', { name: 'Older →' }).isDisabled()).toBe(true);
    await page.close();
  });
});

describe('bulk actions on the list', () => {
  it('given two running executions selected: pause both after a confirmation, each row says how it went', async () => {
    const ids = [await startWaiting(), await startWaiting()];
    const page = await openPage();
    await page.goto(`${coordinator.url}/ui/?name=${encodeURIComponent(waiting.name)}&status=RUNNING`);
    for (const id of ids) await page.getByRole('checkbox', { name: `Select ${id}` }).check();
    await page.getByRole('toolbar', { name: 'Actions on selected executions' }).getByRole('button', { name: 'Pause' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain('Pause 2 executions?');
    await dialog.getByRole('button', { name: 'Pause 2' }).click();
    for (const id of ids) await page.locator(`tr[data-id="${id}"] .result`).getByText('done').waitFor();
    for (const id of ids) expect((await statusOf(id)).status).toBe('PAUSED');
    // the rows stay in place, now paused, although the filter says RUNNING: nothing jumps away under the operator
    for (const id of ids)
      await expect.poll(() => page.locator(`tr[data-id="${id}"] [data-status]`).first().getAttribute('data-status')).toBe('PAUSED');
    await shoot(page, 'executions-bulk-1280');
    await page.close();
  });
});

describe('the definitions page', () => {
  it('given book-flight: its diagram, a start form that opens the new execution, validation errors at their JSON path', async () => {
    const page = await openPage();
    await page.goto(`${coordinator.url}/ui/definitions/book-flight`);
    await page.locator('svg .node[data-ref="authorize"]').waitFor();
    const bookingId = `ok-form-${run}`;
    await page
      .getByLabel('Input (JSON)')
      .fill(JSON.stringify({ bookingId, customerId: 'c1', flightId: 'LH400-2027-01-01', seats: 1, paymentToken: 'tok_visa' }));
    await page.getByLabel('Correlation id / business key (optional)').fill(bookingId);
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await page.waitForURL(/\/ui\/execution\//);
    const id = decodeURIComponent(new URL(page.url()).pathname.split('/').at(-1) ?? '');
    expect(await ended(id)).toMatchObject({ status: 'COMPLETED' });
    expect((await statusOf(id)).input).toMatchObject({ bookingId });

    await page.goto(`${coordinator.url}/ui/definitions/book-flight`);
    await page
      .getByLabel('Workflow definition (JSON)')
      .fill(JSON.stringify({ name: 'broken', tasks: [{ name: 'x', taskReferenceName: 'x', type: 'NOPE' }] }));
    await page.getByRole('button', { name: 'Validate' }).click();
    await expect.poll(() => page.locator('.problems').textContent()).toContain('$.tasks[0].type');
    await shoot(page, 'definitions-1280');
    expect(await seriousViolations(page)).toEqual([]);
    await page.close();
  });
});

describe('the health page', () => {
  it('given executions of several statuses: counts as the API gives them, the hours, the top failure reasons', async () => {
    const page = await openPage();
    await page.goto(`${coordinator.url}/ui/health`);
    const count = async (status: string) => Number(await page.locator(`.counts li[data-status="${status}"] .count`).textContent());
    await page.locator('.counts li[data-status="COMPLETED"]').waitFor();
    for (const status of ['COMPLETED', 'FAILED', 'PAUSED'])
      expect(await count(status)).toBe(
        (await api('GET', `/api/workflow/search?size=1&query=${encodeURIComponent(`status IN (${status})`)}`)).json<{ totalHits: number }>()
          .totalHits,
      );
    expect(await count('FAILED')).toBeGreaterThan(0);
    expect(await page.locator('#reasons-title + table').textContent()).toContain('payment declined: card declined');
    expect(await page.locator('.hour').count()).toBe(24);
    await shoot(page, 'health-1280');
    expect(await seriousViolations(page)).toEqual([]);
    await page.close();
  });
});

describe('task queues and workers on the health page', () => {
  it('given a task nobody serves: its queue depth and oldest waiting task, and the Kafka workers last seen', async () => {
    const unserved = `${run}_unserved`.replace(/-/g, '_');
    expect((await api('POST', '/api/metadata/taskdefs', [{ name: unserved, retryCount: 0, responseTimeoutSeconds: 600 }])).status).toBe(
      200,
    );
    const def = { ...waiting, name: `${run}-unserved`, tasks: [{ name: unserved, taskReferenceName: 'nobody', type: 'SIMPLE' }] };
    expect((await api('POST', '/api/metadata/workflow', def)).status).toBeLessThan(300);
    for (let i = 0; i < 2; i += 1) expect((await api('POST', '/api/workflow', { name: def.name, input: {} })).status).toBe(200);
    await waitFor(
      async () => (await api('GET', `/api/tasks/queue/sizes?taskType=${unserved}`)).json<Record<string, number>>()[unserved] === 2,
      { description: 'two tasks waiting' },
    );
    const page = await openPage();
    await page.goto(`${coordinator.url}/ui/health`);
    const row = page.locator(`table.queues tr[data-task-type="${unserved}"]`);
    await expect.poll(() => row.locator('.size').textContent()).toBe('2');
    expect(await row.locator('.oldest').textContent()).toMatch(/\d+(\.\d+)? (ms|s)|min/);
    // the airline's workers answered over Kafka (earlier tests): seen by their results
    const worker = page.locator('table.workers tr[data-worker]', { hasText: 'hold_seats' }).first();
    await worker.waitFor();
    expect(await worker.textContent()).toContain(`${run}-airline`);
    expect(await worker.textContent()).toMatch(/ago/);
    await shoot(page, 'health-queues-1280');
    expect(await seriousViolations(page)).toEqual([]);
    await page.setViewportSize({ width: 390, height: 844 });
    await shoot(page, 'health-390');
    expect(await seriousViolations(page)).toEqual([]);
    await page.close();
  });
});

describe('the execution page', () => {
  it('given a completed booking: the diagram shows each step completed, with a legend', async () => {
    const id = await startBooking(`ok-page-${run}`);
    await ended(id);
    const page = await openPage();
    await page.goto(`${coordinator.url}/ui/execution/${encodeURIComponent(id)}`);
    await page.locator('svg .node[data-ref="hold"]').waitFor();
    const nodes = await page.locator('svg .node[data-ref]').all();
    const statuses = Object.fromEntries(
      await Promise.all(nodes.map(async (node) => [await node.getAttribute('data-ref'), await node.getAttribute('data-status')])),
    ) as Record<string, string>;
    expect(statuses).toMatchObject({
      hold: 'COMPLETED',
      authorize: 'COMPLETED',
      confirm_booking: 'COMPLETED',
      confirm_seats: 'COMPLETED',
      capture: 'COMPLETED',
    });
    expect(await page.locator('.legend').textContent()).toContain('completed');
    await page.locator('svg .node[data-ref="authorize"]').click();
    await expect.poll(() => page.locator('.task-detail').textContent()).toContain(`pay-ok-page-${run}`);
    await shoot(page, 'execution-completed-1280');
    expect(await seriousViolations(page)).toEqual([]);
    await page.close();
  });

  it('given a declined payment: failed, and the compensation lane shows the hold released', async () => {
    const id = await startBooking(`decline-${run}`);
    const done = await ended(id);
    expect(done.compensationStatus).toBe('COMPENSATED');
    const page = await openPage();
    await page.goto(`${coordinator.url}/ui/execution/${encodeURIComponent(id)}`);
    await page.locator('svg .node[data-ref="authorize"]').waitFor();
    expect(await page.locator('svg .node[data-ref="authorize"]').getAttribute('data-status')).toBe('FAILED_WITH_TERMINAL_ERROR');
    const lane = page.locator('.comp-lane');
    await expect.poll(() => lane.locator('tr[data-undoes="hold"]').textContent()).toContain('release_hold');
    expect(await lane.locator('tr[data-undoes="hold"] [data-status]').last().getAttribute('data-status')).toBe('COMPLETED');
    expect(await lane.textContent()).toContain('Every completed step was undone');
    expect(await lane.locator('tr[data-undoes="authorize"]').textContent()).toContain('nothing to undo');
    await shoot(page, 'execution-failed-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    await shoot(page, 'execution-failed-390');
    expect(await seriousViolations(page)).toEqual([]);
    await page.close();
  });

  it('given a running execution: pause, resume and terminate from the page, each reflected in the API', async () => {
    const id = await startWaiting();
    await waitFor(async () => (await statusOf(id)).tasks.some((t) => t.status === 'IN_PROGRESS'), { description: 'the WAIT task' });
    const page = await openPage();
    await page.goto(`${coordinator.url}/ui/execution/${encodeURIComponent(id)}`);
    const act = async (action: string, confirm: string) => {
      await page.locator(`button[data-action="${action}"]`).click();
      await page.getByRole('dialog').getByRole('button', { name: confirm }).click();
      await page.getByRole('status').getByText(`accepted “${action}”`).waitFor();
    };
    await act('pause', 'Pause now');
    expect((await statusOf(id)).status).toBe('PAUSED');
    await page.locator('button[data-action="resume"]').waitFor();
    await shoot(page, 'execution-paused-1280');
    await act('resume', 'Resume now');
    expect((await statusOf(id)).status).toBe('RUNNING');
    await page.locator(`button[data-action="terminate"]`).click();
    await page
      .getByRole('dialog')
      .getByLabel(/Reason/)
      .fill('changed my mind');
    await page.getByRole('dialog').getByRole('button', { name: 'Terminate now' }).click();
    await page.getByRole('status').getByText('accepted “terminate”').waitFor();
    expect(await statusOf(id)).toMatchObject({ status: 'TERMINATED', reasonForIncompletion: 'changed my mind' });
    await page.locator('button[data-action="restart"]').waitFor();
    // ended, it can be removed: back to the list, which says so, and the API no longer knows it
    await page.locator('button[data-action="remove"]').click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove now' }).click();
    await page.getByRole('status').getByText(`Removed ${id}`).waitFor();
    expect(new URL(page.url()).pathname).toBe('/ui/');
    expect((await api('GET', `/api/workflow/${id}`)).status).toBe(404);
    await page.close();
  });

  it("given a running execution: the operator's name is asked once, and who/when/why of each action shows in its history and timeline", async () => {
    const id = await startWaiting();
    await waitFor(async () => (await statusOf(id)).tasks.some((t) => t.status === 'IN_PROGRESS'), { description: 'the WAIT task' });
    const page = await openPage();
    await page.goto(`${coordinator.url}/ui/execution/${encodeURIComponent(id)}`);
    const dialog = page.getByRole('dialog');
    await page.locator('button[data-action="pause"]').click();
    await dialog.getByLabel(/Your name/).fill('Ana Ström');
    await dialog.getByLabel(/Reason \(optional/).fill('fare table reload');
    await dialog.getByRole('button', { name: 'Pause now' }).click();
    await page.getByRole('status').getByText('accepted “pause”').waitFor();
    // asked once: the next dialog knows the name
    await page.locator('button[data-action="resume"]').click();
    expect(await dialog.locator('.operator-line').textContent()).toContain('Recorded as Ana Ström');
    expect(await dialog.getByLabel(/Your name/).count()).toBe(0);
    await dialog.getByRole('button', { name: 'Resume now' }).click();
    await page.getByRole('status').getByText('accepted “resume”').waitFor();
    await page.locator('button[data-action="terminate"]').click();
    await dialog.getByLabel(/Reason \(kept/).fill('customer called');
    await dialog.getByRole('button', { name: 'Terminate now' }).click();
    await page.getByRole('status').getByText('accepted “terminate”').waitFor();

    const recorded = (await statusOf(id)) as WorkflowJson & { operatorActions?: { action: string; actor: string; reason?: string }[] };
    expect(recorded.operatorActions?.map(({ action, actor, reason }) => [action, actor, reason])).toEqual([
      ['PauseWorkflow', 'Ana Ström', 'fare table reload'],
      ['ResumeWorkflow', 'Ana Ström', undefined],
      ['TerminateWorkflow', 'Ana Ström', 'customer called'],
    ]);
    await expect.poll(() => page.locator('.last-action').textContent()).toMatch(/terminated by Ana Ström.*“customer called” \(3 in/);
    await page.getByRole('tab', { name: 'Operator history' }).click();
    const history = page.locator('table.history tbody tr');
    await expect.poll(() => history.count()).toBe(3);
    expect(await history.nth(0).textContent()).toMatch(/Ana Ström.*paused.*fare table reload/);
    expect(await history.nth(2).textContent()).toMatch(/Ana Ström.*terminated.*customer called/);
    await shoot(page, 'execution-history-1280');
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('tab', { name: 'Timeline' }).click();
    await expect.poll(() => page.locator('.operator-row .op-mark').count()).toBe(3);
    expect(await page.locator('.operator-row').textContent()).toContain('Ana Ström terminated (customer called)');
    await shoot(page, 'execution-timeline-1280');
    await page.close();
  });

  it('given a running execution: skip a task not scheduled yet, and it is SKIPPED once the execution reaches it', async () => {
    const id = await startWaiting();
    await waitFor(async () => (await statusOf(id)).tasks.some((t) => t.status === 'IN_PROGRESS'), { description: 'the WAIT task' });
    const page = await openPage();
    await page.goto(`${coordinator.url}/ui/execution/${encodeURIComponent(id)}`);
    await page.locator('button[data-action="skip"]').click();
    expect(await page.getByRole('dialog').getByLabel('Task to skip').inputValue()).toBe('after_wait');
    await page.getByRole('dialog').getByRole('button', { name: 'Skip now' }).click();
    await page.getByRole('status').getByText('accepted “skip” (after_wait)').waitFor();
    expect((await api('POST', `/api/tasks/${id}/wait_for_operator/COMPLETED`, {})).status).toBe(200);
    const done = await ended(id);
    expect(done.tasks.map((t) => `${t.referenceTaskName}:${t.status}`)).toEqual(['wait_for_operator:COMPLETED', 'after_wait:SKIPPED']);
    await expect.poll(() => page.locator('svg .node[data-ref="after_wait"]').getAttribute('data-status')).toBe('SKIPPED');
    await page.close();
  });

  it('given a completed booking: rerun from its last step runs that step anew', async () => {
    const id = await startBooking(`ok-rerun-${run}`);
    const before = await ended(id);
    const capture = before.tasks.find((t) => t.referenceTaskName === 'capture');
    const page = await openPage();
    await page.goto(`${coordinator.url}/ui/execution/${encodeURIComponent(id)}`);
    await page.locator('button[data-action="rerun"]').click();
    await page
      .getByRole('dialog')
      .getByLabel('Rerun from')
      .selectOption(capture?.taskId ?? '');
    await page.getByRole('dialog').getByRole('button', { name: 'Rerun now' }).click();
    await page.getByRole('status').getByText('accepted “rerun”').waitFor();
    const after = await waitFor(
      async () => {
        const now = await statusOf(id);
        const again = now.tasks.find((t) => t.referenceTaskName === 'capture');
        return now.status === 'COMPLETED' && again !== undefined && again.taskId !== capture?.taskId && now;
      },
      { description: 'capture run again' },
    );
    expect(after.tasks.filter((t) => t.referenceTaskName === 'hold').map((t) => t.taskId)).toEqual(
      before.tasks.filter((t) => t.referenceTaskName === 'hold').map((t) => t.taskId),
    );
    await page.close();
  });

  it('given only a keyboard: Tab reaches the actions and the diagram nodes, Enter opens them, Escape cancels; then a pause through the API shows live', async () => {
    const id = await startWaiting();
    const page = await openPage();
    await page.goto(`${coordinator.url}/ui/execution/${encodeURIComponent(id)}`);
    await page.locator('button[data-action="pause"]').waitFor();
    const reached: string[] = [];
    for (let i = 0; i < 40 && !reached.includes('pause'); i += 1) {
      await page.keyboard.press('Tab');
      reached.push(await focused(page));
    }
    expect(reached).toContain('pause');
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    expect((await statusOf(id)).status).toBe('RUNNING');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('terminate');
    // on to the diagram: a node opens its task with Enter
    for (let i = 0; i < 40 && (await focused(page)) !== 'g'; i += 1) await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('g');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.task-detail').textContent()).toContain('wait_for_operator');

    // the page follows the execution live: paused through the API, the page says so without a reload
    expect((await api('PUT', `/api/workflow/${id}/pause`)).status).toBe(200);
    await page.locator('button[data-action="resume"]').waitFor();
    expect(await page.locator('.execution-head [data-status]').first().getAttribute('data-status')).toBe('PAUSED');
    await shoot(page, 'execution-running-1280');
    await page.close();
  });
});

// last: its start decision schedules and runs 1,002 tasks at once, which keeps one partition busy for seconds
describe('a big execution', () => {
  it(
    'given a fork of 1,000 branches: the diagram collapses it to one node and the task list renders only the rows in view',
    { timeout: 180_000 },
    async () => {
      const branches = 1000;
      const big = {
        name: `${run}-fork`,
        version: 1,
        ownerEmail: 'ui@waggle.example',
        schemaVersion: 2,
        tasks: [
          {
            name: 'fan',
            taskReferenceName: 'fan',
            type: 'FORK_JOIN',
            forkTasks: Array.from({ length: branches }, (_, k) => [
              { name: `w${k}`, taskReferenceName: `w${k}`, type: 'SET_VARIABLE', inputParameters: { [`k${k}`]: k } },
            ]),
          },
          { name: 'join', taskReferenceName: 'join', type: 'JOIN', joinOn: Array.from({ length: branches }, (_, k) => `w${k}`) },
        ],
      };
      expect((await api('POST', '/api/metadata/workflow', big)).status).toBeLessThan(300);
      const started = await api('POST', '/api/workflow', { name: big.name, input: {} });
      expect(started.status, started.text).toBe(200);
      const done = await ended(started.text, 90_000);
      expect(done.tasks.length).toBe(branches + 2);
      const page = await openPage();
      await page.goto(`${coordinator.url}/ui/execution/${encodeURIComponent(started.text)}`);
      await page.locator('svg .node.kind-collapsed').waitFor();
      expect(await page.locator('svg .node.kind-collapsed').textContent()).toContain(`${branches} completed`);
      expect(await page.locator('svg .node').count()).toBeLessThan(10);
      expect(await page.locator('.task-list .vitem').count()).toBeLessThan(60);
      await page.getByPlaceholder('ref, type or status').fill('w999');
      await expect.poll(() => page.locator('.task-list .vitem').count()).toBe(1);
      await page.close();
    },
  );
});
