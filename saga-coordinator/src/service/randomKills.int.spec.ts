import type { ChildProcess } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { openMongoEventStore, type OpenedEventStore } from '@waggle/event-store';
import type { TaskWorker } from '@waggle/task-worker';
import { freePort, uniqueName, waitFor } from '@waggle/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createExecutionDecider } from '../engine/decide.ts';
import { createScriptSandbox, type ScriptSandbox } from '../engine/createScriptSandbox.ts';
import { isTerminalWorkflow, type StartedExecution, type TaskRecord } from '../engine/execution.ts';
import type { WorkflowDef, WorkflowTask } from '../engine/workflowDef.ts';
import { loadExecution } from './loadExecution.ts';
import { conductorClient, type Answer } from './testing/conductorClient.ts';
import { killHard, spawnCoordinator } from './testing/spawnCoordinator.ts';
import { countEffects, echo, startTestWorkers } from './testing/startTestCoordinator.ts';

/**
 * 200 sagas with compensations (linear or with a fork, completing, failing late, or terminated with compensation by
 * an operator) while a coordinator is SIGKILLed at seeded random moments and restarted, a second instance joining
 * half-way; the last kill is not followed by a restart, so the second instance finishes everything alone.
 * Replay a run with RANDOM_KILLS_SEED=<the seed it printed>.
 */
const seed = Number(process.env['RANDOM_KILLS_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
/** mulberry32: a small seeded generator, so a failing run's kill moments can be replayed. */
const seeded = (state: number) => (): number => {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
};
const random = seeded(seed);
const between = (low: number, high: number): number => Math.floor(low + random() * (high - low + 1));

const stack = inject('stack');
const prefix = uniqueName('sagakills');
const database = uniqueName('saga-kills');
const sagas = 200;
const phases = 4;

const compensable = ['reserve', 'step', 'a1', 'a2', 'b1', 'b2'];
const taskTypes = [...compensable.map((ref) => `rk_${ref}`), ...compensable.map((ref) => `rk_undo_${ref}`), 'rk_finish'];
const worker = (ref: string, extra: Partial<WorkflowTask> = {}): WorkflowTask => ({
  name: `rk_${ref}`,
  taskReferenceName: ref,
  type: 'SIMPLE',
  inputParameters: { n: '${workflow.input.n}' },
  ...(compensable.includes(ref)
    ? {
        compensation: {
          name: `rk_undo_${ref}`,
          taskReferenceName: `undo_${ref}`,
          type: 'SIMPLE',
          inputParameters: { of: `\${${ref}.output.uuid}` },
        },
      }
    : {}),
  ...extra,
});
const definition: WorkflowDef = {
  name: 'killed_saga',
  version: 1,
  tasks: [
    worker('reserve'),
    {
      name: 'shape',
      taskReferenceName: 'shape',
      type: 'SWITCH',
      evaluatorType: 'value-param',
      expression: 'shape',
      inputParameters: { shape: '${workflow.input.shape}' },
      decisionCases: {
        fork: [
          {
            name: 'fork',
            taskReferenceName: 'fork',
            type: 'FORK_JOIN',
            forkTasks: [
              [worker('a1'), worker('a2')],
              [worker('b1'), worker('b2')],
            ],
          },
          { name: 'join', taskReferenceName: 'join', type: 'JOIN', joinOn: ['a2', 'b2'] },
        ],
      },
      defaultCase: [worker('step')],
    },
    {
      // an execution to be terminated parks on a WAIT, so the operator's terminate finds it mid-way with no step in flight
      name: 'park',
      taskReferenceName: 'park',
      type: 'SWITCH',
      evaluatorType: 'value-param',
      expression: 'park',
      inputParameters: { park: '${workflow.input.park}' },
      decisionCases: { yes: [{ name: 'hold', taskReferenceName: 'hold', type: 'WAIT' }] },
      defaultCase: [],
    },
    worker('finish', { inputParameters: { n: '${workflow.input.n}', fail: '${workflow.input.fail}' } }),
  ],
};

type Outcome = 'complete' | 'fail' | 'terminate';
type Plan = { readonly n: number; readonly shape: 'linear' | 'fork'; readonly outcome: Outcome; readonly terminateAfterMs: number };
// every random choice is drawn here, in a fixed order, so a seed replays them all whatever the run's timing
const plans: Plan[] = Array.from({ length: sagas }, (_, n) => ({
  n,
  shape: n % 2 === 0 ? 'linear' : 'fork',
  outcome: (['complete', 'fail', 'terminate'] as const)[Math.floor(n / 2) % 3] ?? 'complete',
  terminateAfterMs: between(0, 1_000),
}));
/** Each kill comes after a random number of further results in its phase, a random moment later. */
const kills = Array.from({ length: phases }, () => ({ after: between(5, 50), pauseMs: between(0, 500) }));

const children: ChildProcess[] = [];
let ports: number[] = [];
let effects: OpenedEventStore;
let coordinatorDb: OpenedEventStore;
let workers: TaskWorker;
let sandbox: ScriptSandbox;
/** Results the workers produced, redeliveries included: how far the work got, to time a kill while it runs. */
let answered = 0;
/** Deliveries per task attempt: a redelivered command (a relay resuming after a kill) is answered again, applied once. */
const deliveries = new Map<string, number>();

beforeAll(async () => {
  ports = [await freePort(), await freePort()];
  sandbox = await createScriptSandbox();
  effects = await openMongoEventStore({ url: stack.mongoUrl, database: `${database}-effects` });
  coordinatorDb = await openMongoEventStore({ url: stack.mongoUrl, database });
  workers = await startTestWorkers(stack, {
    prefix,
    name: uniqueName('kills-workers'),
    store: effects.store,
    taskTypes,
    answer: (task) => {
      answered += 1;
      deliveries.set(task.idempotencyKey, (deliveries.get(task.idempotencyKey) ?? 0) + 1);
      return task.taskType === 'rk_finish' && task.input['fail'] === true
        ? { status: 'FAILED_WITH_TERMINAL_ERROR', reasonForIncompletion: 'declined late' }
        : echo(task);
    },
  });
}, 60_000);
afterAll(async () => {
  for (const child of children) await killHard(child);
  await workers?.stop();
  await effects?.close();
  await coordinatorDb?.close();
  await sandbox?.close();
});

/** An undone step's compensation record, by the step it undoes. */
const compensationsOf = (execution: StartedExecution): Map<string, TaskRecord[]> => {
  const byStep = new Map<string, TaskRecord[]>();
  for (const task of execution.tasks)
    if (task.compensationOf !== undefined) byStep.set(task.compensationOf, [...(byStep.get(task.compensationOf) ?? []), task]);
  return byStep;
};

const expectedRefs = ({ shape, outcome }: Plan): string[] => [
  'reserve',
  'shape',
  ...(shape === 'fork' ? ['fork', 'a1', 'a2', 'b1', 'b2', 'join'] : ['step']),
  'park',
  ...(outcome === 'terminate' ? ['hold'] : ['finish']),
];

describe('a coordinator SIGKILLed at random moments while 200 sagas with compensations run', () => {
  it(
    'every saga ends once, each step and each compensation applied exactly once, undone in reverse order per branch',
    { timeout: 300_000 },
    async () => {
      console.log(`randomKills seed ${seed} (replay with RANDOM_KILLS_SEED=${seed})`);
      const began = Date.now();
      const [portA, portB] = ports as [number, number];
      const alive = new Map<number, ChildProcess>();
      const spawnOne = async (port: number): Promise<void> => {
        const spawnedAt = Date.now();
        const child = await spawnCoordinator(stack, { port, database, prefix });
        children.push(child);
        alive.set(port, child);
        console.log(`coordinator on ${port === portA ? 'A' : 'B'} ready in ${Date.now() - spawnedAt} ms`);
      };
      const kill = async (port: number): Promise<void> => {
        const child = alive.get(port);
        alive.delete(port);
        if (child !== undefined) await killHard(child);
      };
      /** An API call through whichever instance is up, again until it is accepted (an instance may die under it). */
      const viaAnyInstance = (
        what: string,
        call: (client: ReturnType<typeof conductorClient>) => Promise<Answer>,
        accept: (a: Answer) => boolean,
      ) =>
        waitFor(
          async () => {
            for (const port of [...alive.keys()]) {
              const answer = await call(conductorClient(() => `http://127.0.0.1:${port}`)).catch(() => undefined);
              if (answer !== undefined && accept(answer)) return answer;
            }
            return undefined;
          },
          { timeoutMs: 200_000, intervalMs: 250, description: what },
        );

      await spawnOne(portA);
      const client = conductorClient(() => `http://127.0.0.1:${portA}`);
      const taskDefs = taskTypes.map((name) => ({ name, retryCount: 0, responseTimeoutSeconds: 600 }));
      expect((await client.api('POST', '/api/metadata/taskdefs', taskDefs)).status).toBe(200);
      expect((await client.api('POST', '/api/metadata/workflow', definition)).status).toBe(200);

      const decider = createExecutionDecider(sandbox);
      const load = async (id: string) => (await loadExecution(coordinatorDb.store, decider, id)).execution;
      const ids = new Map<number, string>();
      // a start retried after a kill returns the same execution: one per key
      const startSaga = async (plan: Plan): Promise<void> => {
        const body = {
          name: definition.name,
          input: { n: plan.n, shape: plan.shape, fail: plan.outcome === 'fail', park: plan.outcome === 'terminate' ? 'yes' : 'no' },
          idempotencyKey: `${prefix}-${plan.n}`,
          idempotencyStrategy: 'RETURN_EXISTING',
        };
        const answer = await viaAnyInstance(
          `saga ${plan.n} to start`,
          (c) => c.api('POST', '/api/workflow', body),
          (a) => a.status === 200,
        );
        ids.set(plan.n, answer.text);
        if (plan.outcome !== 'terminate') return;
        // the operator terminates it with compensation once it waits mid-way, a random moment later
        await waitFor(
          async () => {
            const execution = await load(answer.text);
            return execution.status !== 'NONE' && execution.tasks.some((t) => t.referenceTaskName === 'hold' && t.status === 'IN_PROGRESS');
          },
          { timeoutMs: 200_000, intervalMs: 300, description: `saga ${plan.n} to park` },
        );
        await delay(plan.terminateAfterMs);
        await viaAnyInstance(
          `saga ${plan.n} to be terminated`,
          (c) => c.api('DELETE', `/api/workflow/${answer.text}?reason=operator&compensate=true`),
          // a terminate retried after a kill may find the first one applied: refused, as it is no longer running
          (a) => a.status === 200 || a.status === 409,
        );
      };

      const pending: Promise<void>[] = [];
      const statusesAtKill: number[] = [];
      const batch = sagas / phases;
      for (let phase = 0; phase < phases; phase += 1) {
        const from = answered;
        pending.push(...plans.slice(phase * batch, (phase + 1) * batch).map(startSaga));
        // killed while results and commands are in flight
        const { after, pauseMs } = kills[phase] ?? { after: 5, pauseMs: 0 };
        await waitFor(() => answered >= from + after, { timeoutMs: 120_000, intervalMs: 20, description: `${after} more results` });
        await delay(pauseMs);
        await kill(portA);
        const running = (await Promise.all([...ids.values()].map(load))).filter(
          (e) => e.status === 'NONE' || !isTerminalWorkflow(e.status),
        );
        statusesAtKill.push(running.length);
        console.log(
          `kill ${phase + 1} (${after} results and ${pauseMs} ms into the phase) at ${Date.now() - began} ms, ${answered} results: ` +
            `${running.length} of ${ids.size} not ended`,
        );
        if (phase === 1) await spawnOne(portB);
        // the last kill is not followed by a restart: the second instance finishes everything alone
        if (phase < phases - 1) await spawnOne(portA);
      }
      expect(alive.has(portA)).toBe(false);
      expect(statusesAtKill.at(-1)).toBeGreaterThan(0);
      await Promise.all(pending);

      const ended = await waitFor(
        async () => {
          const executions = await Promise.all(plans.map(async (plan) => ({ plan, execution: await load(ids.get(plan.n) ?? '') })));
          const settled = executions.every(
            ({ execution }) =>
              execution.status !== 'NONE' &&
              isTerminalWorkflow(execution.status) &&
              (execution.compensation === undefined || execution.compensation.status !== 'COMPENSATING'),
          );
          return settled && executions;
        },
        { timeoutMs: 150_000, intervalMs: 1_000, description: 'the surviving coordinator to end every saga' },
      );
      console.log(`all ${sagas} ended ${Date.now() - began} ms after the first start`);

      const counts = await countEffects(effects.store, taskTypes);
      const workerTasks = new Map<string, string>();
      for (const { plan, execution } of ended) {
        if (execution.status === 'NONE') throw new Error('not started');
        const label = `saga ${plan.n} (${plan.shape}, ${plan.outcome}) ${execution.workflowId}`;
        const history = await coordinatorDb.store.readStream(execution.workflowId);
        expect(
          history.events.filter((event) => event.type === 'WorkflowEnded'),
          label,
        ).toHaveLength(1);

        const forward = execution.tasks.filter((task) => task.compensationOf === undefined);
        // each step scheduled once: no step run again by a recovering coordinator
        expect(forward.map((task) => task.referenceTaskName).sort(), label).toEqual(expectedRefs(plan).sort());
        const done = forward.filter((task) => compensable.includes(task.ref) && task.status === 'COMPLETED');
        expect(done.map((task) => task.ref).sort(), label).toEqual(
          ['reserve', ...(plan.shape === 'fork' ? ['a1', 'a2', 'b1', 'b2'] : ['step'])].sort(),
        );
        const undone = compensationsOf(execution);
        if (plan.outcome === 'complete') {
          expect(execution.status, label).toBe('COMPLETED');
          expect(execution.compensation, label).toBeUndefined();
          expect(undone.size, label).toBe(0);
        } else {
          expect(execution.status, label).toBe(plan.outcome === 'fail' ? 'FAILED' : 'TERMINATED');
          expect(execution.compensation?.status, label).toBe('COMPENSATED');
          // every completed step undone by exactly one compensation
          expect([...undone.keys()].sort(), label).toEqual(done.map((task) => task.taskId).sort());
          for (const [stepId, records] of undone) {
            expect(
              records.map((r) => `${r.status}:${r.retryCount}`),
              `${label} ${stepId}`,
            ).toEqual(['COMPLETED:0']);
          }
          const undo = (ref: string): TaskRecord => {
            const step = done.find((task) => task.ref === ref);
            const record = step === undefined ? undefined : undone.get(step.taskId)?.[0];
            if (record === undefined) throw new Error(`${label}: ${ref} not undone`);
            return record;
          };
          // reverse completion order in each line: a step's undo starts only after the undo of the one after it ended
          const lines =
            plan.shape === 'fork'
              ? [
                  ['reserve', 'a1', 'a2'],
                  ['reserve', 'b1', 'b2'],
                ]
              : [['reserve', 'step']];
          for (const line of lines)
            for (let index = 0; index < line.length - 1; index += 1) {
              const earlier = undo(line[index] ?? '');
              const later = undo(line[index + 1] ?? '');
              expect(later.endTime, `${label}: ${later.referenceTaskName} before ${earlier.referenceTaskName}`).toBeLessThanOrEqual(
                earlier.scheduledTime,
              );
              expect(later.seq, label).toBeLessThan(earlier.seq);
            }
          if (plan.shape === 'fork') {
            // the branches are undone concurrently: each branch's first undo is scheduled before the other's ends
            const [a2, b2] = [undo('a2'), undo('b2')];
            expect(a2.scheduledTime, label).toBeLessThanOrEqual(b2.endTime);
            expect(b2.scheduledTime, label).toBeLessThanOrEqual(a2.endTime);
          }
        }
        for (const task of execution.tasks)
          if (taskTypes.includes(task.taskType)) {
            workerTasks.set(`${task.taskId}:${task.retryCount}`, task.taskType);
            // the worker applied it exactly once (its store dedupes by the idempotency key `<taskId>:<attempt>`)
            expect(counts.get(`${task.taskId}:${task.retryCount}`), `${label} ${task.referenceTaskName}`).toBe(1);
          }
      }
      // and nothing else: no effect for a task attempt the executions do not have
      expect([...counts.keys()].filter((key) => !workerTasks.has(key))).toEqual([]);
      expect(counts.size).toBe(workerTasks.size);
      for (const taskType of taskTypes)
        for (const event of (await effects.store.readStream(`effects-${taskType}`)).events)
          expect(workerTasks.get(event.metadata.commandId ?? ''), `${event.metadata.commandId} in effects-${taskType}`).toBe(taskType);
      const redelivered = [...deliveries.values()].filter((count) => count > 1).length;
      console.log(
        `checked in ${Date.now() - began} ms: ${counts.size} effects, ${answered} results, ${redelivered} task attempts delivered again`,
      );
    },
  );
});
