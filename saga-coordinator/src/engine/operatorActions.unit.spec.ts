import { RuleViolationError } from '@waggle/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScriptSandbox, type ScriptSandbox } from './createScriptSandbox.ts';
import { decide } from './decide.ts';
import type { EngineInput } from './engineInput.ts';
import { evolve } from './evolve.ts';
import { initialState, type Execution, type StartedExecution } from './execution.ts';
import type { ExecutionEvent } from './executionEvents.ts';
import { toWorkflowJson } from './toWorkflowJson.ts';
import type { WorkflowDef } from './workflowDef.ts';

// who asked for an operator action, when and why, as the execution's history records it
let sandbox: ScriptSandbox;
beforeAll(async () => {
  sandbox = await createScriptSandbox();
});
afterAll(() => sandbox.close());

const at = 1_700_000_000_000;
const definition: WorkflowDef = {
  name: 'wf',
  version: 1,
  tasks: [
    { name: 'a', taskReferenceName: 'a', type: 'SIMPLE' },
    { name: 'b', taskReferenceName: 'b', type: 'SIMPLE' },
  ],
};
const fold = (events: readonly ExecutionEvent[], from: Execution = initialState()): Execution => events.reduce<Execution>(evolve, from);

/** The history so far: the execution and every event it took to get there. */
const given = (...inputs: EngineInput[]) =>
  inputs.reduce(
    ({ execution, events }, input) => {
      const decided = decide(input, execution, sandbox);
      return { execution: fold(decided.events, execution), events: [...events, ...decided.events] };
    },
    { execution: initialState(), events: [] as ExecutionEvent[] },
  );
const started: EngineInput = { type: 'StartWorkflow', workflowId: 'w', definition, meta: { at } };
const when = (execution: Execution, input: EngineInput) => decide(input, execution, sandbox).events;
const ana = { actor: 'ana@ops' };

describe('a running execution', () => {
  it('when an operator pauses it with a reason: who, when and why come first, then the pause', () => {
    const { execution } = given(started);
    const events = when(execution, { type: 'PauseWorkflow', by: { ...ana, reason: 'payment provider down' }, meta: { at: at + 5 } });
    expect(events.map((event) => event.type)).toEqual(['OperatorActionRecorded', 'WorkflowPaused']);
    expect(events[0]).toEqual({
      type: 'OperatorActionRecorded',
      data: { action: 'PauseWorkflow', actor: 'ana@ops', at: at + 5, reason: 'payment provider down' },
    });
    const after = fold(events, execution) as StartedExecution;
    expect(after.operatorActions).toEqual([{ action: 'PauseWorkflow', actor: 'ana@ops', at: at + 5, reason: 'payment provider down' }]);
    expect(toWorkflowJson(after)['operatorActions']).toEqual(after.operatorActions);
  });

  it("when it is terminated: the terminate's reason is the record's reason, and whether it compensates", () => {
    const { execution } = given(started);
    const [record] = when(execution, { type: 'TerminateWorkflow', reason: 'duplicate booking', compensate: true, by: ana, meta: { at } });
    expect(record).toEqual({
      type: 'OperatorActionRecorded',
      data: { action: 'TerminateWorkflow', actor: 'ana@ops', at, reason: 'duplicate booking', compensate: true },
    });
  });

  it('when a task is skipped: the record names the task', () => {
    const { execution } = given(started);
    const [record] = when(execution, { type: 'SkipTask', referenceTaskName: 'b', by: ana, meta: { at } });
    expect(record).toMatchObject({ type: 'OperatorActionRecorded', data: { action: 'SkipTask', target: 'b' } });
  });

  it('when an action is refused (resume while running): nothing is recorded', () => {
    const { execution } = given(started);
    expect(() => when(execution, { type: 'ResumeWorkflow', by: ana, meta: { at } })).toThrow(RuleViolationError);
  });

  it('when the action comes without an operator (a parent terminating its child): nothing is recorded, the JSON has no field', () => {
    const { execution } = given(started);
    const events = when(execution, { type: 'TerminateWorkflow', reason: 'parent ended', meta: { at } });
    expect(events.some((event) => event.type === 'OperatorActionRecorded')).toBe(false);
    expect(toWorkflowJson(fold(events, execution) as StartedExecution)).not.toHaveProperty('operatorActions');
  });
});

describe('a terminated execution', () => {
  it('when it is restarted and rerun: every action is kept, in order, across the restart', () => {
    const { execution } = given(
      started,
      { type: 'TerminateWorkflow', reason: 'stuck', by: ana, meta: { at: at + 1 } },
      { type: 'RestartWorkflow', definition, by: { actor: 'bo', reason: 'fixed the fare' }, meta: { at: at + 2 } },
      { type: 'TerminateWorkflow', by: { actor: 'bo' }, meta: { at: at + 3 } },
    );
    const first = (execution as StartedExecution).tasks[0]?.taskId ?? '';
    const events = when(execution, { type: 'RerunWorkflow', reRunFromTaskId: first, by: { actor: 'cy' }, meta: { at: at + 4 } });
    const after = fold(events, execution) as StartedExecution;
    expect(after.operatorActions).toEqual([
      { action: 'TerminateWorkflow', actor: 'ana@ops', at: at + 1, reason: 'stuck', compensate: false },
      { action: 'RestartWorkflow', actor: 'bo', at: at + 2, reason: 'fixed the fare', useLatestDefinitions: true },
      { action: 'TerminateWorkflow', actor: 'bo', at: at + 3, compensate: false },
      { action: 'RerunWorkflow', actor: 'cy', at: at + 4, target: first },
    ]);
    expect(after.status).toBe('RUNNING');
  });
});

describe('removing an execution', () => {
  const terminated = () => given(started, { type: 'TerminateWorkflow', reason: 'stop', meta: { at: at + 1 } }).execution;

  it('given it ended: when removed, it is marked removed with who and why, and every later input decides nothing', () => {
    const execution = terminated();
    const events = when(execution, { type: 'RemoveWorkflow', by: { ...ana, reason: 'test data' }, meta: { at: at + 2 } });
    expect(events.map((event) => event.type)).toEqual(['OperatorActionRecorded', 'WorkflowRemoved']);
    const removed = fold(events, execution) as StartedExecution;
    expect(removed.removed).toBe(true);
    expect(removed.operatorActions.at(-1)).toMatchObject({ action: 'RemoveWorkflow', reason: 'test data' });
    const taskId = removed.tasks[0]?.taskId ?? '';
    expect(when(removed, { type: 'ReportTaskResult', result: { taskId, status: 'COMPLETED' }, meta: { at } })).toEqual([]);
    expect(() => when(removed, { type: 'RestartWorkflow', by: ana, meta: { at } })).toThrow('No such workflow');
    expect(() => when(removed, { type: 'RemoveWorkflow', meta: { at } })).toThrow('No such workflow');
  });

  it('given it runs: a remove is refused (nothing recorded), a terminate-remove ends it first and then removes it', () => {
    const { execution } = given(started);
    expect(() => when(execution, { type: 'RemoveWorkflow', by: ana, meta: { at } })).toThrow(RuleViolationError);
    expect(() => when(execution, { type: 'RemoveWorkflow', by: ana, meta: { at } })).toThrow(/terminate it before removing it/);
    const events = when(execution, { type: 'RemoveWorkflow', terminate: true, reason: 'abandoned', by: ana, meta: { at: at + 3 } });
    expect(events.map((event) => event.type)).toEqual(['OperatorActionRecorded', 'TaskUpdated', 'WorkflowEnded', 'WorkflowRemoved']);
    const removed = fold(events, execution) as StartedExecution;
    expect(removed).toMatchObject({ status: 'TERMINATED', reasonForIncompletion: 'abandoned', removed: true });
    expect(removed.operatorActions.at(-1)).toMatchObject({ action: 'RemoveWorkflow', reason: 'abandoned' });
  });
});
