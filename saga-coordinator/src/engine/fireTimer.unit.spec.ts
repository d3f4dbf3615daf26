import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScriptSandbox, type ScriptSandbox } from './createScriptSandbox.ts';
import type { EngineCommand } from './engineCommand.ts';
import { createInMemoryEngine } from './inMemoryEngine.ts';
import type { TaskDef, WorkflowDef } from './workflowDef.ts';

let sandbox: ScriptSandbox;
beforeAll(async () => {
  sandbox = await createScriptSandbox();
});
afterAll(() => sandbox.close());

const definition: WorkflowDef = { name: 'wf', version: 1, tasks: [{ name: 'a', taskReferenceName: 'a', type: 'SIMPLE' }] };
const taskDefs: TaskDef[] = [{ name: 'a', retryCount: 0, responseTimeoutSeconds: 10 }];
const responseTimers = (commands: readonly EngineCommand[]): number[] =>
  commands.flatMap((command) => (command.type === 'ScheduleTimer' && command.timer.kind === 'responseTimeout' ? [command.fireAt] : []));

describe('a task whose worker answered IN_PROGRESS with callbackAfterSeconds 20 (responseTimeoutSeconds 10)', () => {
  const given = () => {
    const running = createInMemoryEngine({ scripts: sandbox, worker: () => undefined, taskDefs });
    running.start('w', definition);
    const taskId = running.execution('w').tasks[0]?.taskId ?? '';
    running.send('w', { type: 'ReportTaskResult', result: { taskId, status: 'IN_PROGRESS', callbackAfterSeconds: 20 } });
    return running;
  };

  it('while SCHEDULED, waits for the callback plus the response timeout (Conductor: no update for response + callback)', () => {
    const running = given();
    const answeredAt = running.now();
    expect(responseTimers(running.commands()).at(-1)).toBe(answeredAt + 30_000);
  });

  it('when the callback is due, is handed out again with a response timeout counted from that hand-out alone', () => {
    const running = given();
    // when: the callback timer fires
    running.advance(20_000);
    const handedOutAt = running.now();
    // then: IN_PROGRESS again (callbackAfterSeconds back to 0), timed out 10 s later, not 10 + 20 s
    expect(running.execution('w').tasks.map((task) => `${task.status}:${task.callbackAfterSeconds}`)).toEqual(['IN_PROGRESS:0']);
    expect(responseTimers(running.commands()).at(-1)).toBe(handedOutAt + 10_000);
    running.advance(10_000);
    expect(running.execution('w').tasks.map((task) => task.status)).toEqual(['TIMED_OUT']);
    expect(running.execution('w').status).toBe('TIMED_OUT');
  });
});

describe('a task whose def has pollTimeoutSeconds 5 (retryCount 1, RETRY), handed out at once', () => {
  const pollDefs: TaskDef[] = [{ name: 'a', retryCount: 1, retryDelaySeconds: 0, pollTimeoutSeconds: 5, timeoutPolicy: 'RETRY' }];
  const given = () => {
    const running = createInMemoryEngine({ scripts: sandbox, worker: () => undefined, taskDefs: pollDefs });
    running.start('w', definition);
    return running;
  };
  const dispatched = (commands: readonly EngineCommand[]) => commands.filter((command) => command.type === 'DispatchTask');

  it('asks its worker for a receipt, and is TIMED_OUT then retried when nobody took it within 5 s', () => {
    const running = given();
    expect(dispatched(running.commands()).map((command) => command.pollTimeoutSeconds)).toEqual([5]);
    expect(running.execution('w').tasks.map((task) => `${task.status}:${task.awaitingPoll}`)).toEqual(['IN_PROGRESS:true']);
    // when: 5 s pass with no poll and no receipt
    running.advance(5_000);
    // then: the attempt timed out as not polled, and a second one is handed out awaiting its own poll
    const [first, second] = running.execution('w').tasks;
    expect(first?.status).toBe('TIMED_OUT');
    expect(first?.reasonForIncompletion).toMatch(/^Task poll timed out after 5 seconds. Poll timeout configured as 5 seconds/);
    expect(`${second?.status}:${second?.retryCount}:${second?.awaitingPoll}`).toBe('IN_PROGRESS:1:true');
  });

  it('taken within 5 s (a poll or a receipt: an IN_PROGRESS from its worker), is not timed out by it', () => {
    const running = given();
    const taskId = running.execution('w').tasks[0]?.taskId ?? '';
    running.advance(2_000);
    running.send('w', { type: 'ReportTaskResult', result: { taskId, status: 'IN_PROGRESS', workerId: 'w1' } });
    expect(running.execution('w').tasks.map((task) => `${task.status}:${task.awaitingPoll}`)).toEqual(['IN_PROGRESS:false']);
    running.advance(10_000);
    expect(running.execution('w').tasks.map((task) => task.status)).toEqual(['IN_PROGRESS']);
    running.send('w', { type: 'ReportTaskResult', result: { taskId, status: 'COMPLETED', outputData: { ok: true } } });
    expect(running.execution('w').status).toBe('COMPLETED');
  });

  it('answered after it was timed out: the late result is recorded, not applied', () => {
    const running = given();
    const taskId = running.execution('w').tasks[0]?.taskId ?? '';
    running.advance(5_000);
    running.send('w', { type: 'ReportTaskResult', result: { taskId, status: 'COMPLETED', outputData: { late: true } } });
    const [first, second] = running.execution('w').tasks;
    expect(first?.status).toBe('TIMED_OUT');
    expect(first?.outputData).not.toMatchObject({ late: true });
    expect(second?.status).toBe('IN_PROGRESS');
    expect(running.history('w').some((event) => event.type === 'LateTaskResultRecorded')).toBe(true);
  });
});
