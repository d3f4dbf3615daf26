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
