import { openMongoEventStore, laneOf, type OpenedEventStore } from '@waggle/event-store';
import type { TaskWorker } from '@waggle/task-worker';
import { uniqueName, waitFor } from '@waggle/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { WorkflowDef } from '../engine/workflowDef.ts';
import type { RunningCoordinator } from './startCoordinator.ts';
import { conductorClient, taskByRef, type TaskJson } from './testing/conductorClient.ts';
import { echo, startTestCoordinator, startTestWorkers, testCoordinatorConfig } from './testing/startTestCoordinator.ts';

const stack = inject('stack');
/** How late a timer may fire: the sweeper sleeps until it is due, then an input and its decision over Kafka. */
const boundMs = 1_000;
const prefix = uniqueName('sagatimers');
const database = uniqueName('saga-timers');
// a long re-check: a timer found late here was not woken nor signalled
const env = { SAGA_TIMER_RECHECK_MS: '60000' };
let coordinators: RunningCoordinator[] = [];
let effects: OpenedEventStore;
let workers: TaskWorker;
const { api, start, ended } = conductorClient(() => coordinators[0]!.url);

type Times = TaskJson & { scheduledTime: number; startTime: number; endTime: number; reasonForIncompletion?: string };
const times = (task: TaskJson): Times => task as Times;

beforeAll(async () => {
  coordinators = [await startTestCoordinator(testCoordinatorConfig(stack, { prefix, database }, env))];
  effects = await openMongoEventStore({ url: stack.mongoUrl, database: `${database}-effects` });
  workers = await startTestWorkers(stack, {
    prefix,
    name: uniqueName('timer-workers'),
    store: effects.store,
    taskTypes: ['flaky', 'quick'],
    answer: (task) =>
      task.taskType === 'flaky' && task.retryCount === 0 ? { status: 'FAILED', reasonForIncompletion: 'first try' } : echo(task),
  });
  const defs = [
    { name: 'flaky', retryCount: 1, retryLogic: 'FIXED', retryDelaySeconds: 1, responseTimeoutSeconds: 60 },
    { name: 'quick', retryCount: 0, responseTimeoutSeconds: 60 },
  ];
  expect((await api('POST', '/api/metadata/taskdefs', defs)).status).toBe(200);
  const workflows: WorkflowDef[] = [
    {
      name: 'wait_2s',
      version: 1,
      tasks: [{ name: 'pause', taskReferenceName: 'pause', type: 'WAIT', inputParameters: { duration: '2 seconds' } }],
    },
    { name: 'retry_1s', version: 1, tasks: [{ name: 'flaky', taskReferenceName: 'flaky', type: 'SIMPLE' }] },
    {
      name: 'quick_with_timeouts',
      version: 1,
      timeoutSeconds: 600,
      tasks: [{ name: 'quick', taskReferenceName: 'quick', type: 'SIMPLE' }],
    },
  ];
  for (const def of workflows) expect((await api('POST', '/api/metadata/workflow', def)).status).toBe(200);
}, 60_000);
afterAll(async () => {
  await workers?.stop();
  for (const coordinator of coordinators) await coordinator.stop();
  await effects?.close();
});

describe('durable timers on an idle coordinator (no tick: it sleeps until the next timer is due)', () => {
  it('a WAIT of 2 s completes within 2 s plus the bound', async () => {
    const workflow = await ended(await start('wait_2s', {}));
    const wait = times(taskByRef(workflow, 'pause'));
    expect(workflow.status).toBe('COMPLETED');
    expect(wait.endTime - wait.startTime).toBeGreaterThanOrEqual(2_000);
    expect(wait.endTime - wait.startTime).toBeLessThan(2_000 + boundMs);
  });

  it('a retry delay of 1 s hands the second attempt out within 1 s plus the bound', async () => {
    const workflow = await ended(await start('retry_1s', {}));
    expect(workflow.status).toBe('COMPLETED');
    const [first, second] = workflow.tasks.map(times);
    expect(first?.status).toBe('FAILED');
    const delayMs = (second?.startTime ?? 0) - (first?.endTime ?? 0);
    expect(delayMs).toBeGreaterThanOrEqual(1_000);
    expect(delayMs).toBeLessThan(1_000 + boundMs);
  });

  it('cancels the timers of a finished task and the timeout of an ended execution instead of leaving them to fire', async () => {
    const coordinatorDb = await openMongoEventStore({ url: stack.mongoUrl, database });
    try {
      const workflowId = await start('quick_with_timeouts', {});
      const workflow = await ended(workflowId);
      expect(workflow.status).toBe('COMPLETED');
      // what its decisions scheduled (the relay writes a step's timers before its task command goes out, so each was
      // written before the result that ends it came back): the task's response timeout and the workflow timeout
      const scheduled = (await coordinatorDb.store.readStream(workflowId)).events.flatMap((event) =>
        event.type === 'CommandsIssued'
          ? (event.data as { commands: { type: string; timer?: { kind: string } }[] }).commands.flatMap((c) =>
              c.type === 'ScheduleTimer' && c.timer ? [c.timer.kind] : [],
            )
          : [],
      );
      expect(scheduled).toEqual(expect.arrayContaining(['workflowTimeout', 'responseTimeout']));
      const pending = () => coordinatorDb.db.collection('timers').countDocuments({ workflowId });
      await waitFor(async () => (await pending()) === 0, { timeoutMs: 5_000, description: 'its timers cancelled' });
    } finally {
      await coordinatorDb.close();
    }
  });

  it('idle, it reads its timer shards about once per re-check instead of every tick', async () => {
    const sweeps = async (url: string) => (await (await fetch(`${url}/status`)).json()) as { timers: { sweeps: number } };
    const before = (await sweeps(coordinators[0]!.url)).timers.sweeps;
    // a measured stretch of quiet time, not a wait for something: what is counted is the sweeps made meanwhile
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    // a 100 ms tick made 30 sweeps in this time; sleeping until the next due timer (none) makes none
    expect((await sweeps(coordinators[0]!.url)).timers.sweeps - before).toBeLessThanOrEqual(1);
  });

  it('with two instances, a timer relayed by one for a shard the other holds is signalled: every WAIT fires in time', async () => {
    coordinators.push(await startTestCoordinator(testCoordinatorConfig(stack, { prefix, database }, env)));
    type Status = { outbox: { lanes: { lane: number; state: string }[] }; timers: { shards: number[] } };
    const statusOf = async (coordinator: RunningCoordinator) => (await (await fetch(`${coordinator.url}/status`)).json()) as Status;
    // both instances hold lanes and shards once the groups rebalanced
    await waitFor(
      async () => {
        const all = await Promise.all(coordinators.map(statusOf));
        return all.every((s) => s.timers.shards.length > 0);
      },
      { timeoutMs: 60_000, description: 'both instances to hold timer shards' },
    );
    const ids = await Promise.all(Array.from({ length: 12 }, () => start('wait_2s', {})));
    const workflows = await Promise.all(ids.map((id) => ended(id)));
    for (const workflow of workflows) {
      const wait = times(taskByRef(workflow, 'pause'));
      expect(wait.endTime - wait.startTime, workflow.workflowId).toBeLessThan(2_000 + boundMs);
    }
    // and some crossed instances: the instance that relayed the timer (its stream's lane) does not hold its shard
    const [a, b] = await Promise.all(coordinators.map(statusOf));
    if (a === undefined || b === undefined) throw new Error('two instances');
    const lanesOfA = new Set(a.outbox.lanes.filter((l) => l.state === 'relaying').map((l) => l.lane));
    const lanes = a.outbox.lanes.length;
    const crossed = ids.filter((id) => lanesOfA.has(laneOf(id, lanes)) !== a.timers.shards.includes(laneOf(id, 3)));
    expect(a.timers.shards.length + b.timers.shards.length).toBe(3);
    expect(crossed.length).toBeGreaterThan(0);
  });
});
