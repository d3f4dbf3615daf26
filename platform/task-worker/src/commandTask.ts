import { NotFoundError, RuleViolationError, ValidationError } from '@waggle/errors';
import { handleCommand, type CommandResult, type Decider, type DomainEvent, type EventStore } from '@waggle/event-store';
import type { TaskContext, TaskHandler } from './createTaskWorker.ts';
import type { Task, TaskOutcome } from './taskRecords.ts';

/**
 * A task handled by a context's decider: `toCommand` names the aggregate and the command, which runs through
 * handleCommand with the task's `<taskId>:<attempt>` as command id, so a redelivered task has exactly one effect and
 * is answered from the first outcome. `toOutcome` turns what the command did into the task's result (default:
 * COMPLETED with the events' types and the stream version). A command the decider refuses (a broken rule, bad input,
 * an unknown aggregate) fails the task for good: FAILED_WITH_TERMINAL_ERROR.
 */
export const commandTask = <Command, Event extends DomainEvent, State>(options: {
  readonly taskType: string;
  readonly store: EventStore;
  readonly decider: Decider<Command, Event, State>;
  readonly toCommand: (task: Task) => { readonly streamId: string; readonly command: Command };
  readonly toOutcome?: (result: CommandResult<State>, task: Task) => TaskOutcome;
}): TaskHandler => ({
  taskType: options.taskType,
  execute: async (task: Task, context: TaskContext): Promise<TaskOutcome> => {
    let result: CommandResult<State>;
    try {
      const { streamId, command } = options.toCommand(task);
      result = await handleCommand(options.store, options.decider, {
        streamId,
        command,
        metadata: {
          commandId: context.commandId,
          correlationId: context.correlationId,
          causationId: context.causationId,
          occurredAt: new Date().toISOString(),
          traceparent: context.traceparent,
        },
      });
    } catch (error) {
      if (error instanceof RuleViolationError || error instanceof ValidationError || error instanceof NotFoundError) {
        return { status: 'FAILED_WITH_TERMINAL_ERROR', reasonForIncompletion: error.message };
      }
      throw error;
    }
    return (
      options.toOutcome?.(result, task) ?? {
        status: 'COMPLETED',
        outputData: { streamId: result.streamId, version: result.version, events: result.events.map((event) => event.type) },
      }
    );
  },
});

/**
 * One decider's tasks, each deciding a command it builds from its own input: `run(task, context, streamId, command,
 * toOutcome)` handles the command as `commandTask` does (the attempt's command id, refusals failing for good).
 */
export const commandRunner =
  <Command, Event extends DomainEvent, State>(options: { readonly store: EventStore; readonly decider: Decider<Command, Event, State> }) =>
  (
    task: Task,
    context: TaskContext,
    streamId: string,
    command: Command,
    toOutcome: (result: CommandResult<State>) => TaskOutcome,
  ): Promise<TaskOutcome> =>
    commandTask({ ...options, taskType: task.taskType, toCommand: () => ({ streamId, command }), toOutcome }).execute(task, context);

/**
 * The answer to a task whose input breaks its schema (a zod error, or anything with such issues): it fails for
 * good, since the same input fails every attempt, and says which fields are wrong.
 */
export const invalidTaskInput = (error: {
  readonly issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[];
}): TaskOutcome => ({
  status: 'FAILED_WITH_TERMINAL_ERROR',
  reasonForIncompletion: `invalid input: ${error.issues.map((issue) => `${issue.path.map(String).join('.')} ${issue.message}`).join('; ')}`,
});
