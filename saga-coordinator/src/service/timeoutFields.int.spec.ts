import { monitorEventLoopDelay } from 'node:perf_hooks';
import { openMongoEventStore, type OpenedEventStore } from '@waggle/event-store';
import type { TaskWorker } from '@waggle/task-worker';
import { uniqueName, waitFor } from '@waggle/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TaskDef, WorkflowDef, WorkflowTask } from '../engine/workflowDef.ts';
import type { RunningCoordinator } from './startCoordinator.ts';
import { conductorClient, refs, taskByRef, type TaskJson, type WorkflowJson } from './testing/conductorClient.ts';
import { echo, startTestCoordinator, startTestWorkers, testCoordinatorConfig } from './testing/startTestCoordinator.ts';

const stack = inject('stack');
/**
 * How late a timer may fire. The sweeper has no tick (`timerSweeper.ts`): it sleeps until the earliest due timer of
 * its shards (setTimeout, ms precision; a timer its own relay writes wakes it), then reads the due timers from Mongo,
 * produces them as TimerFired inputs, and the partition's owner applies each in one decision stamped with its own
 * clock (`applyInput.ts`). So the precision is that path: one Mongo read, one Kafka round trip, one decision. The
 * re-check (`SAGA_TIMER_RECHECK_MS`) is set to 60 s here, so a timer that only a re-check found would be 60 s late.
 */
const boundMs = 1_000;
const prefix = uniqueName('sagatimeouts');
const database = uniqueName('saga-timeouts');
let coordinator: RunningCoordinator;
let coordinatorDb: OpenedEventStore;
let effects: OpenedEventStore;
let workers: TaskWorker;
const { api, start, ended, workflow } = conductorClient(() => coordinator.url);

type Times = TaskJson & { scheduledTime: number; startTime: number; endTime: number; updateTime: number; reasonForIncompletion?: string };
type WorkflowTimes = WorkflowJson & { createTime: number; startTime: number; endTime: number };
const times = (task: TaskJson): Times => task as Times;

/** How late each timer fired past its value, printed at the end: how much of the bound a run used. */
const lateness: string[] = [];
// the coordinator runs in this process: on a loaded machine, its event loop's delays are most of a timer's lateness
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
/** `fired` came `value` s after `since`, within the bound. */
const expectFiredAfter = (what: string, since: number, fired: number, valueSeconds: number): void => {
  lateness.push(`${what} (${valueSeconds} s): +${fired - since - valueSeconds * 1000} ms`);
  expect(since, `${what}: a start time`).toBeGreaterThan(0);
  expect(fired - since, `${what}: fired ≥ ${valueSeconds} s`).toBeGreaterThanOrEqual(valueSeconds * 1000);
  expect(fired - since, `${what}: fired within ${valueSeconds} s + ${boundMs} ms`).toBeLessThan(valueSeconds * 1000 + boundMs);
};

/** The execution timed out by its task's 2 s poll timeout, fired within the bound from the task's scheduling. */
const expectPollTimedOut = (execution: WorkflowJson, ref: string, what: string): void => {
  const task = times(taskByRef(execution, ref));
  expect(execution.status).toBe('TIMED_OUT');
  expect(task.status).toBe('TIMED_OUT');
  expect(task.reasonForIncompletion).toMatch(/^Task poll timed out after 2 seconds/);
  expectFiredAfter(what, task.scheduledTime, task.endTime, 2);
};

// Kafka workers fail the first `failures` attempts of their type, then complete
const failures: Record<string, number> = { tf_fixed: 2, tf_linear: 2, tf_exponential: 3, tf_capped: 3, tf_total: Infinity, tf_acked: 0 };
const taskDefs: TaskDef[] = [
  // retry delays: FIXED 2 s, 2 s; LINEAR 1 s × 2 × (n+1) = 2 s, 4 s; EXPONENTIAL 1 s × 2^n = 1, 2, 4 s; capped at 2 s: 1, 2, 2 s
  { name: 'tf_fixed', retryCount: 2, retryLogic: 'FIXED', retryDelaySeconds: 2 },
  { name: 'tf_linear', retryCount: 2, retryLogic: 'LINEAR_BACKOFF', retryDelaySeconds: 1, backoffScaleFactor: 2 },
  { name: 'tf_exponential', retryCount: 3, retryLogic: 'EXPONENTIAL_BACKOFF', retryDelaySeconds: 1 },
  { name: 'tf_capped', retryCount: 3, retryLogic: 'EXPONENTIAL_BACKOFF', retryDelaySeconds: 1, maxRetryDelaySeconds: 2 },
  // fails every time, retried 1 s apart until 3 s passed since the first attempt
  { name: 'tf_total', retryCount: 10, retryLogic: 'FIXED', retryDelaySeconds: 1, totalTimeoutSeconds: 3 },
  // served by nobody: handed out, never answered
  { name: 'tf_never', retryCount: 0 },
  { name: 'tf_timeout_wf', retryCount: 0, timeoutSeconds: 2, timeoutPolicy: 'TIME_OUT_WF' },
  { name: 'tf_timeout_retry', retryCount: 1, retryDelaySeconds: 0, timeoutSeconds: 2, timeoutPolicy: 'RETRY' },
  { name: 'tf_timeout_alert', retryCount: 0, timeoutSeconds: 2, timeoutPolicy: 'ALERT_ONLY' },
  { name: 'tf_wait_timeout', retryCount: 0, timeoutSeconds: 2, timeoutPolicy: 'TIME_OUT_WF' },
  { name: 'tf_unpolled', retryCount: 0, pollTimeoutSeconds: 2, timeoutPolicy: 'TIME_OUT_WF' },
  // taken in time: polled over HTTP by the test, or received by a Kafka worker (which acknowledges it)
  { name: 'tf_polled', retryCount: 0, pollTimeoutSeconds: 2, timeoutPolicy: 'TIME_OUT_WF' },
  { name: 'tf_acked', retryCount: 0, pollTimeoutSeconds: 2, timeoutPolicy: 'TIME_OUT_WF' },
  { name: 'tf_gated', retryCount: 0, pollTimeoutSeconds: 2, timeoutPolicy: 'TIME_OUT_WF', concurrentExecLimit: 1 },
  // polled over HTTP by the test
  { name: 'tf_silent', retryCount: 1, retryDelaySeconds: 0, responseTimeoutSeconds: 1 },
  { name: 'tf_callback', retryCount: 0, responseTimeoutSeconds: 30 },
  { name: 'tf_callback_silent', retryCount: 0, responseTimeoutSeconds: 1 },
];
const simple = (name: string): WorkflowTask => ({ name, taskReferenceName: name, type: 'SIMPLE' });
const one = (name: string, task: WorkflowTask, extra: Partial<WorkflowDef> = {}): WorkflowDef => ({
  name,
  version: 1,
  tasks: [task],
  ...extra,
});
const workflows: WorkflowDef[] = [
  ...Object.keys(failures).map((name) => one(`wf_${name}`, simple(name))),
  one('wf_timeout_wf', simple('tf_never'), { timeoutSeconds: 2, timeoutPolicy: 'TIME_OUT_WF' }),
  one(
    'wf_timeout_alert',
    { name: 'pause', taskReferenceName: 'pause', type: 'WAIT', inputParameters: { duration: '3 seconds' } },
    { timeoutSeconds: 2, timeoutPolicy: 'ALERT_ONLY' },
  ),
  ...[
    'tf_timeout_wf',
    'tf_timeout_retry',
    'tf_timeout_alert',
    'tf_unpolled',
    'tf_polled',
    'tf_gated',
    'tf_silent',
    'tf_callback',
    'tf_callback_silent',
  ].map((name) => one(`wf_${name}`, simple(name))),
  // a WAIT for a signal under the task def named like it (Conductor applies task timeouts to a WAIT that has a def)
  one('wf_tf_wait_timeout', { name: 'tf_wait_timeout', taskReferenceName: 'hold', type: 'WAIT' }),
  one('wf_wait_until', {
    name: 'until',
    taskReferenceName: 'until',
    type: 'WAIT',
    inputParameters: { until: '${workflow.input.until}' },
  }),
];

beforeAll(async () => {
  loopDelay.enable();
  coordinator = await startTestCoordinator(testCoordinatorConfig(stack, { prefix, database }, { SAGA_TIMER_RECHECK_MS: '60000' }));
  coordinatorDb = await openMongoEventStore({ url: stack.mongoUrl, database });
  effects = await openMongoEventStore({ url: stack.mongoUrl, database: `${database}-effects` });
  workers = await startTestWorkers(stack, {
    prefix,
    name: uniqueName('timeout-workers'),
    store: effects.store,
    taskTypes: Object.keys(failures),
    answer: (task) =>
      task.retryCount < (failures[task.taskType] ?? 0)
        ? { status: 'FAILED', reasonForIncompletion: `attempt ${task.retryCount}` }
        : echo(task),
  });
  expect((await api('POST', '/api/metadata/taskdefs', taskDefs)).status).toBe(200);
  for (const def of workflows) {
    const answer = await api('POST', '/api/metadata/workflow', def);
    expect(answer.status, `${def.name}: ${answer.text}`).toBe(200);
  }
}, 60_000);
afterAll(async () => {
  loopDelay.disable();
  const ms = (ns: number): number => Math.round(ns / 1e6);
  console.log(
    `late by (bound ${boundMs} ms):\n${lateness.join('\n')}\n` +
      `event loop delay: p50 ${ms(loopDelay.percentile(50))} ms, p99 ${ms(loopDelay.percentile(99))} ms, max ${ms(loopDelay.max)} ms`,
  );
  await workers?.stop();
  await coordinator?.stop();
  await coordinatorDb?.close();
  await effects?.close();
});

/** The events of an execution's history of one type, with their data. */
const eventsOf = async <T>(workflowId: string, type: string): Promise<T[]> =>
  (await coordinatorDb.store.readStream(workflowId)).events.filter((event) => event.type === type).map((event) => event.data as T);
type TaskUpdate = { taskId: string; status: string; at: number; callbackAfterSeconds?: number };
type Alert = { timer: string; taskId?: string; at: number };

/** Claims the next task of a type over HTTP, as a Conductor SDK worker polls. */
const pollOne = (taskType: string): Promise<Times> =>
  waitFor(
    async () => {
      const answer = await api('GET', `/api/tasks/poll/batch/${taskType}?count=1&timeout=500&workerid=timeouts-test`);
      return answer.json<Times[]>()[0];
    },
    { timeoutMs: 15_000, intervalMs: 0, description: `a ${taskType} task to poll` },
  );
const report = async (task: Times, status: string, extra: Record<string, unknown> = {}): Promise<void> => {
  const body = { workflowInstanceId: task.taskId.slice(0, task.taskId.lastIndexOf(':')), taskId: task.taskId, status, ...extra };
  const answer = await api('POST', '/api/tasks', body);
  expect(answer.status, answer.text).toBe(200);
};

describe.concurrent('every timeout field fires within its value plus the timer precision', () => {
  it('workflow timeoutSeconds 2 with TIME_OUT_WF: the execution is TIMED_OUT 2 s after it started', async () => {
    const execution = (await ended(await start('wf_timeout_wf', {}))) as WorkflowTimes;
    expect(execution.status).toBe('TIMED_OUT');
    expect(execution.reasonForIncompletion).toMatch(/^Workflow timed out after 2 seconds\. Timeout configured as 2 seconds/);
    expectFiredAfter('workflow timeout', execution.createTime, execution.endTime, 2);
    expect(refs(execution)).toEqual(['tf_never:CANCELED']);
  });

  it('workflow timeoutSeconds 2 with ALERT_ONLY: an alert at 2 s, and the execution goes on to complete', async () => {
    const workflowId = await start('wf_timeout_alert', {});
    const execution = (await ended(workflowId)) as WorkflowTimes;
    expect(execution.status).toBe('COMPLETED');
    const alerts = await eventsOf<Alert>(workflowId, 'TimeoutAlerted');
    expect(alerts.map((alert) => alert.timer)).toEqual(['workflowTimeout']);
    expectFiredAfter('workflow alert', execution.createTime, alerts[0]?.at ?? 0, 2);
    expect(execution.endTime).toBeGreaterThan(alerts[0]?.at ?? Infinity);
  });

  it('task timeoutSeconds 2 with TIME_OUT_WF: the task and the execution TIMED_OUT 2 s after the task started', async () => {
    const execution = await ended(await start('wf_tf_timeout_wf', {}));
    const task = times(taskByRef(execution, 'tf_timeout_wf'));
    expect(execution.status).toBe('TIMED_OUT');
    expect(task.status).toBe('TIMED_OUT');
    expect(task.reasonForIncompletion).toMatch(/Timeout policy configured to TIME_OUT_WF$/);
    expectFiredAfter('task timeout', task.startTime, task.endTime, 2);
  });

  it('task timeoutSeconds 2 with RETRY: each attempt TIMED_OUT 2 s after it started, then retried', async () => {
    const execution = await ended(await start('wf_tf_timeout_retry', {}));
    const attempts = execution.tasks.map(times);
    // two attempts (retryCount 1), both timed out; the retries exhausted end the execution TIMED_OUT
    expect(attempts.map((task) => `${task.retryCount}:${task.status}`)).toEqual(['0:TIMED_OUT', '1:TIMED_OUT']);
    expect(execution.status).toBe('TIMED_OUT');
    for (const task of attempts) expectFiredAfter(`attempt ${task.retryCount}`, task.startTime, task.endTime, 2);
    // retryDelaySeconds 0: the second attempt goes out in the decision that timed the first out
    expect((attempts[1]?.startTime ?? 0) - (attempts[0]?.endTime ?? 0)).toBeLessThan(boundMs);
  });

  it('task timeoutSeconds 2 with ALERT_ONLY: an alert at 2 s, the task stays in progress and its worker completes it', async () => {
    const workflowId = await start('wf_tf_timeout_alert', {});
    const alert = await waitFor(async () => (await eventsOf<Alert>(workflowId, 'TimeoutAlerted'))[0], {
      timeoutMs: 2_000 + boundMs + 5_000,
      description: 'the task timeout alert',
    });
    const task = times(taskByRef(await workflow(workflowId), 'tf_timeout_alert'));
    expect(alert.timer).toBe('timeout');
    expect(task.status).toBe('IN_PROGRESS');
    expectFiredAfter('task alert', task.startTime, alert.at, 2);
    expect((await api('POST', `/api/tasks/${workflowId}/tf_timeout_alert/COMPLETED`, {})).status).toBe(200);
    expect((await ended(workflowId)).status).toBe('COMPLETED');
  });

  it('responseTimeoutSeconds 1: a polled task its worker never answers is TIMED_OUT 1 s after, and handed out again', async () => {
    const workflowId = await start('wf_tf_silent', {});
    const first = await pollOne('tf_silent');
    expect(first.retryCount).toBe(0);
    // the worker took it and went silent: the retry is handed out again, and this time answered
    const second = await pollOne('tf_silent');
    expect(second.retryCount).toBe(1);
    await report(second, 'COMPLETED', { outputData: { ok: true } });
    const execution = await ended(workflowId);
    expect(execution.status).toBe('COMPLETED');
    const [timedOut, retried] = execution.tasks.map(times);
    expect(timedOut?.status).toBe('TIMED_OUT');
    expect(timedOut?.reasonForIncompletion).toMatch(/^responseTimeout: 1 exceeded/);
    expect(retried?.status).toBe('COMPLETED');
    // nothing updated it after it was handed out: its updateTime is its startTime
    expectFiredAfter('response timeout', timedOut?.startTime ?? 0, timedOut?.endTime ?? 0, 1);
  });

  it('IN_PROGRESS with callbackAfterSeconds 2: the task is handed out again 2 s after the worker said so', async () => {
    const workflowId = await start('wf_tf_callback', {});
    const first = await pollOne('tf_callback');
    await report(first, 'IN_PROGRESS', { callbackAfterSeconds: 2 });
    const again = await pollOne('tf_callback');
    expect(again.taskId).toBe(first.taskId);
    await report(again, 'COMPLETED', { outputData: { ok: true } });
    expect((await ended(workflowId)).status).toBe('COMPLETED');
    // as recorded: back to SCHEDULED (with the callback) when the worker answered, IN_PROGRESS again when handed out
    const updates = (await eventsOf<TaskUpdate>(workflowId, 'TaskUpdated')).filter((update) => update.taskId === first.taskId);
    expect(updates.map((update) => update.status)).toEqual(['IN_PROGRESS', 'SCHEDULED', 'IN_PROGRESS', 'COMPLETED']);
    const [, callback, handedOut] = updates;
    expect(callback?.callbackAfterSeconds).toBe(2);
    expectFiredAfter('callback', callback?.at ?? 0, handedOut?.at ?? 0, 2);
  });

  it('responseTimeoutSeconds 1 after a callback: counted from the hand-out again, not from it plus the callback', async () => {
    const workflowId = await start('wf_tf_callback_silent', {});
    const first = await pollOne('tf_callback_silent');
    await report(first, 'IN_PROGRESS', { callbackAfterSeconds: 1 });
    await pollOne('tf_callback_silent');
    const execution = await ended(workflowId);
    expect(execution.status).toBe('TIMED_OUT');
    const task = times(taskByRef(execution, 'tf_callback_silent'));
    expect(task.reasonForIncompletion).toMatch(/^responseTimeout: 1 exceeded/);
    const updates = (await eventsOf<TaskUpdate>(workflowId, 'TaskUpdated')).filter((update) => update.taskId === first.taskId);
    expect(updates.map((update) => update.status)).toEqual(['IN_PROGRESS', 'SCHEDULED', 'IN_PROGRESS', 'TIMED_OUT']);
    const [, callback, handedOut, timedOut] = updates;
    expectFiredAfter('callback', callback?.at ?? 0, handedOut?.at ?? 0, 1);
    // Conductor: IN_PROGRESS with no update for responseTimeoutSeconds (+ callbackAfterSeconds, which the hand-out reset to 0)
    expectFiredAfter('response timeout after the hand-out', handedOut?.at ?? 0, timedOut?.at ?? 0, 1);
  });

  it('pollTimeoutSeconds 2 on a task held by its concurrentExecLimit: TIMED_OUT 2 s after it was scheduled', async () => {
    // the one slot is taken by a task a worker polled and never answers (one nobody polled would time out itself)
    const holder = await start('wf_tf_gated', {});
    await waitFor(async () => taskByRef(await workflow(holder), 'tf_gated').status === 'IN_PROGRESS', { description: 'the slot taken' });
    await pollOne('tf_gated');
    expectPollTimedOut(await ended(await start('wf_tf_gated', {})), 'tf_gated', 'poll timeout');
  });

  it('pollTimeoutSeconds 2 on a task nobody polls: TIMED_OUT 2 s after it was handed out (Conductor: not polled within it)', async () => {
    expectPollTimedOut(await ended(await start('wf_tf_unpolled', {})), 'tf_unpolled', 'poll timeout, never polled');
  });

  it('pollTimeoutSeconds 2 on a task polled over HTTP within it: not timed out, however long its worker then takes', async () => {
    const workflowId = await start('wf_tf_polled', {});
    const polled = await pollOne('tf_polled');
    // past the poll timeout, measured from the hand-out
    await waitFor(() => Date.now() - polled.scheduledTime > 2_000 + boundMs, { timeoutMs: 10_000, description: 'the poll timeout passed' });
    expect((await workflow(workflowId)).status).toBe('RUNNING');
    await report(polled, 'COMPLETED', { outputData: { done: true } });
    const execution = await ended(workflowId);
    expect(execution.status).toBe('COMPLETED');
    expect(taskByRef(execution, 'tf_polled').status).toBe('COMPLETED');
  });

  it('pollTimeoutSeconds 2 on a task of a Kafka worker: the worker acknowledges it on receipt (IN_PROGRESS), then completes it', async () => {
    const workflowId = await start('wf_tf_acked', {});
    const execution = await ended(workflowId);
    expect(execution.status).toBe('COMPLETED');
    const updates = await eventsOf<TaskUpdate & { awaitingPoll?: boolean }>(workflowId, 'TaskUpdated');
    // handed out awaiting a poll, taken (the worker's receipt), completed
    expect(updates.map((u) => [u.status, u.awaitingPoll])).toEqual([
      ['IN_PROGRESS', true],
      ['IN_PROGRESS', false],
      ['COMPLETED', undefined],
    ]);
  });

  it('totalTimeoutSeconds 3: an attempt failing within 3 s of the first is retried, the first failing past it ends the execution', async () => {
    const execution = await ended(await start('wf_tf_total', {}), 30_000);
    expect(execution.status).toBe('FAILED');
    const attempts = execution.tasks.map(times);
    const since = attempts[0]?.scheduledTime ?? 0;
    const last = attempts.at(-1);
    // retries remained (retryCount 10): the wall clock across attempts stopped them
    expect(attempts.length).toBeGreaterThan(1);
    expect(attempts.length).toBeLessThan(11);
    for (const attempt of attempts.slice(0, -1)) expect(attempt.endTime - since, `attempt ${attempt.retryCount}`).toBeLessThan(3_000);
    // attempts go out 1 s apart: the first to fail past the limit does so within a retry delay plus the bound
    expect((last?.endTime ?? 0) - since).toBeGreaterThanOrEqual(3_000);
    expect((last?.endTime ?? 0) - since).toBeLessThan(3_000 + 1_000 + boundMs);
  });

  it.each(
    Object.entries({
      tf_fixed: [2, 2],
      tf_linear: [2, 4],
      tf_exponential: [1, 2, 4],
      tf_capped: [1, 2, 2],
    }),
  )('retry delays of %s: the gaps between attempts are %j s', async (taskType, delays) => {
    const execution = await ended(await start(`wf_${taskType}`, {}), 30_000);
    expect(execution.status).toBe('COMPLETED');
    const attempts = execution.tasks.map(times);
    expect(attempts.map((task) => `${task.retryCount}:${task.status}`)).toEqual([
      ...delays.map((_, n) => `${n}:FAILED`),
      `${delays.length}:COMPLETED`,
    ]);
    delays.forEach((seconds, n) =>
      expectFiredAfter(`attempt ${n + 1}`, attempts[n]?.endTime ?? 0, attempts[n + 1]?.startTime ?? 0, seconds),
    );
  });

  it('a WAIT for a signal with a task def timeoutSeconds 2 (TIME_OUT_WF): TIMED_OUT 2 s after it started', async () => {
    const execution = await ended(await start('wf_tf_wait_timeout', {}));
    const task = times(taskByRef(execution, 'hold'));
    expect(execution.status).toBe('TIMED_OUT');
    expect(task.status).toBe('TIMED_OUT');
    expectFiredAfter('WAIT timeout', task.startTime, task.endTime, 2);
  });

  it(
    'a WAIT until the next minute (`yyyy-MM-dd HH:mm z`, minute precision): completes at that minute, within the bound',
    {
      timeout: 90_000,
    },
    async () => {
      // the format has minutes only: the next minute at least 1.5 s away
      const until = Math.ceil((Date.now() + 1_500) / 60_000) * 60_000;
      const text = `${new Date(until).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
      const execution = await ended(await start('wf_wait_until', { until: text }), 90_000);
      const wait = times(taskByRef(execution, 'until'));
      expect(execution.status).toBe('COMPLETED');
      expect(wait.endTime).toBeGreaterThanOrEqual(until);
      expect(wait.endTime - until).toBeLessThan(boundMs);
      expect(wait.startTime).toBeLessThan(until);
    },
  );
});
