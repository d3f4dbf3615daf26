import { isSuccessfulTask } from './execution.ts';
import type { Execution, StartedExecution, TaskRecord } from './execution.ts';
import type { ExecutionEvent } from './executionEvents.ts';

const started = (execution: Execution): StartedExecution | undefined => (execution.status === 'NONE' ? undefined : execution);

const replaceTask = (execution: StartedExecution, taskId: string, change: (task: TaskRecord) => TaskRecord): readonly TaskRecord[] =>
  execution.tasks.map((task) => (task.taskId === taskId ? change(task) : task));

/** Folds one event into the execution. Pure; an event for an execution that never started changes nothing. */
export const evolve = (execution: Execution, event: ExecutionEvent): Execution => {
  if (event.type === 'WorkflowStarted') {
    const { at, definition, ...rest } = event.data;
    return {
      ...rest,
      status: 'RUNNING',
      definition,
      input: { ...(definition.inputTemplate ?? {}), ...event.data.input },
      output: {},
      variables: { ...(definition.variables ?? {}) },
      createTime: at,
      updateTime: at,
      failedReferenceTaskNames: [],
      failedTaskNames: [],
      tasks: [],
      nextSeq: 1,
      completions: 0,
      earlyResults: [],
      lateResults: [],
      skips: {},
      deferred: [],
      endedBranches: [],
      operatorActions: [],
    };
  }
  const current = started(execution);
  if (current === undefined) return execution;
  switch (event.type) {
    case 'TaskScheduled': {
      const { task } = event.data;
      const tasks =
        task.retriedTaskId === undefined ? current.tasks : replaceTask(current, task.retriedTaskId, (old) => ({ ...old, retried: true }));
      return { ...current, tasks: [...tasks, task], nextSeq: Math.max(current.nextSeq, task.seq + 1), updateTime: task.scheduledTime };
    }
    case 'TaskUpdated': {
      const {
        taskId,
        status,
        at,
        outputData,
        inputData,
        reasonForIncompletion,
        callbackAfterSeconds,
        workerId,
        subWorkflowId,
        started: isStart,
        awaitingPoll,
      } = event.data;
      const before = current.tasks.find((task) => task.taskId === taskId);
      const completes = before !== undefined && !isSuccessfulTask(before.status) && isSuccessfulTask(status);
      const completions = completes ? current.completions + 1 : current.completions;
      const tasks = replaceTask(current, taskId, (task) => ({
        ...task,
        status,
        updateTime: at,
        ...(outputData === undefined ? {} : { outputData }),
        ...(inputData === undefined ? {} : { inputData }),
        ...(reasonForIncompletion === undefined ? {} : { reasonForIncompletion }),
        ...(callbackAfterSeconds === undefined ? {} : { callbackAfterSeconds }),
        ...(workerId === undefined ? {} : { workerId }),
        ...(subWorkflowId === undefined ? {} : { subWorkflowId }),
        ...(awaitingPoll === undefined ? {} : { awaitingPoll }),
        ...(isStart === true ? { startTime: at, pollCount: task.pollCount + 1 } : {}),
        ...(status === 'SCHEDULED' || status === 'IN_PROGRESS' ? { endTime: 0 } : { endTime: at }),
        ...(completes ? { completedOrder: completions } : {}),
      }));
      return { ...current, tasks, completions, updateTime: at };
    }
    case 'VariablesUpdated':
      return { ...current, variables: event.data.variables, updateTime: event.data.at };
    case 'TaskResultBuffered':
      return { ...current, earlyResults: [...current.earlyResults, event.data.result] };
    case 'BufferedResultApplied':
      return { ...current, earlyResults: current.earlyResults.filter((_, index) => index !== event.data.index) };
    case 'LateTaskResultRecorded':
      return { ...current, lateResults: [...current.lateResults, { ...event.data.result, at: event.data.at, note: event.data.note }] };
    case 'WorkflowPaused':
      return { ...current, status: 'PAUSED', updateTime: event.data.at };
    case 'WorkflowResumed':
      return { ...current, status: 'RUNNING', deferred: [], lastRetriedTime: event.data.at, updateTime: event.data.at };
    case 'TimeoutAlerted':
      return current;
    case 'ContinuationDeferred':
      return current.deferred.includes(event.data.taskId) ? current : { ...current, deferred: [...current.deferred, event.data.taskId] };
    case 'ForkBranchEnded':
      return { ...current, endedBranches: [...current.endedBranches, event.data.branch] };
    case 'TaskSkipRequested': {
      const { referenceTaskName, taskInput, taskOutput } = event.data;
      return { ...current, skips: { ...current.skips, [referenceTaskName]: { taskInput, taskOutput } } };
    }
    case 'CompensationStarted': {
      const { at, ...compensation } = event.data;
      return { ...current, compensation: { ...compensation, status: 'COMPENSATING' }, updateTime: at };
    }
    case 'CompensationEnded':
      return current.compensation === undefined
        ? current
        : { ...current, compensation: { ...current.compensation, status: event.data.status }, updateTime: event.data.at };
    case 'WorkflowEnded': {
      const { status, at, output, reasonForIncompletion, failedReferenceTaskNames, failedTaskNames, failureWorkflowId } = event.data;
      return {
        ...current,
        status,
        output,
        endTime: at,
        updateTime: at,
        ...(reasonForIncompletion === undefined ? {} : { reasonForIncompletion }),
        ...(failedReferenceTaskNames === undefined ? {} : { failedReferenceTaskNames }),
        ...(failedTaskNames === undefined ? {} : { failedTaskNames }),
        ...(failureWorkflowId === undefined ? {} : { failureWorkflowId }),
      };
    }
    case 'CommandsIssued':
      return current;
    case 'WorkflowRemoved':
      return { ...current, removed: true, updateTime: event.data.at };
    case 'OperatorActionRecorded':
      return { ...current, operatorActions: [...current.operatorActions, event.data] };
    case 'WorkflowRetried': {
      const { reasonForIncompletion: _reason, endTime: _end, ...rest } = current;
      return {
        ...rest,
        status: 'RUNNING',
        lastRetriedTime: event.data.at,
        updateTime: event.data.at,
        failedReferenceTaskNames: [],
        failedTaskNames: [],
      };
    }
    case 'WorkflowRerun': {
      const { reasonForIncompletion: _reason, endTime: _end, compensation: _compensation, ...rest } = current;
      const kept = current.tasks.filter((task) => task.seq < event.data.fromSeq);
      return {
        ...rest,
        status: 'RUNNING',
        tasks: kept,
        input: event.data.input ?? current.input,
        output: {},
        lastRetriedTime: event.data.at,
        updateTime: event.data.at,
        failedReferenceTaskNames: [],
        failedTaskNames: [],
        deferred: [],
        endedBranches: current.endedBranches.filter((branch) => kept.some((task) => branch.startsWith(`${task.taskId}/`))),
      };
    }
    case 'WorkflowRestarted': {
      const {
        reasonForIncompletion: _reason,
        endTime: _end,
        compensation: _compensation,
        failureWorkflowId: _failure,
        lastRetriedTime: _retried,
        ...rest
      } = current;
      const { definition, taskDefs, at } = event.data;
      return {
        ...rest,
        status: 'RUNNING',
        definition,
        taskDefs,
        tasks: [],
        output: {},
        variables: { ...(definition.variables ?? {}) },
        createTime: at,
        updateTime: at,
        failedReferenceTaskNames: [],
        failedTaskNames: [],
        completions: 0,
        skips: {},
        deferred: [],
        endedBranches: [],
      };
    }
  }
};
