import { expressionContext, isLimited, placementOf, scheduleTimer, taskDefFor } from './decision.ts';
import { resolveValue } from './resolveParameters.ts';
import type { SubWorkflowParams } from './workflowDef.ts';
import type { Decision } from './decision.ts';
import type { TaskRecord } from './execution.ts';
import { startFork } from './startFork.ts';
import { endWorkflow } from './endWorkflow.ts';
import { checkJoins, finishTask, leaveNode } from './progress.ts';
import { enterList } from './scheduleTask.ts';
import { parseDuration, parseUntil } from './waitTime.ts';

const asText = (value: unknown): string => (typeof value === 'string' ? value : '');

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The timers of a task handed to a worker: its response timeout and its overall timeout. A hand-out resets
 * `callbackAfterSeconds` to 0 (as Conductor's poll does), so the response timeout is counted from now alone: adding
 * the callback of the record handed out (the one a callback timer re-hands) made it fire a callback late.
 */
export const armTaskTimers = (decision: Decision, task: TaskRecord): void => {
  const taskDef = taskDefFor(decision, task.workflowTask);
  const response = taskDef.responseTimeoutSeconds ?? 0;
  if (response > 0) scheduleTimer(decision, { kind: 'responseTimeout', taskId: task.taskId }, decision.at + response * 1000);
  const timeout = taskDef.timeoutSeconds ?? 0;
  if (timeout > 0 && task.startTime === 0) scheduleTimer(decision, { kind: 'timeout', taskId: task.taskId }, decision.at + timeout * 1000);
};

/**
 * Hands a worker task out (again, after a callback delay): IN_PROGRESS from now, with its timers. Under a def's
 * `pollTimeoutSeconds` it also waits to be taken: a poll over HTTP or a Kafka worker's receipt (the command asks for
 * one) must come within it, else the task times out as one nobody polled does in Conductor.
 */
export const dispatch = (decision: Decision, task: TaskRecord): void => {
  const execution = decision.execution();
  const firstStart = task.startTime === 0;
  const pollTimeout = taskDefFor(decision, task.workflowTask).pollTimeoutSeconds ?? 0;
  decision.emit({
    type: 'TaskUpdated',
    data: {
      taskId: task.taskId,
      status: 'IN_PROGRESS',
      at: decision.at,
      callbackAfterSeconds: 0,
      ...(firstStart ? { started: true } : {}),
      ...(pollTimeout > 0 ? { awaitingPoll: true } : {}),
    },
  });
  decision.command({
    type: 'DispatchTask',
    workflowId: execution.workflowId,
    taskId: task.taskId,
    taskType: task.taskType,
    referenceTaskName: task.referenceTaskName,
    retryCount: task.retryCount,
    inputData: task.inputData,
    ...(execution.correlationId === undefined ? {} : { correlationId: execution.correlationId }),
    ...(pollTimeout > 0 ? { pollTimeoutSeconds: pollTimeout } : {}),
  });
  armTaskTimers(decision, { ...task, startTime: firstStart ? 0 : task.startTime });
  if (pollTimeout > 0) scheduleTimer(decision, { kind: 'pollTimeout', taskId: task.taskId }, decision.at + pollTimeout * 1000);
};

/**
 * Hands a worker task out: at once, or, when its def limits it (concurrentExecLimit, rateLimitPerFrequency), as a
 * request for a slot that the service grants when the limits allow (the task stays SCHEDULED meanwhile, as a postponed
 * task does in Conductor). `pollTimeoutSeconds` bounds that wait.
 */
export const handOut = (decision: Decision, task: TaskRecord): void => {
  const taskDef = taskDefFor(decision, task.workflowTask);
  if (!isLimited(taskDef)) {
    dispatch(decision, task);
    return;
  }
  const concurrent = taskDef.concurrentExecLimit ?? 0;
  const rate = taskDef.rateLimitPerFrequency ?? 0;
  const execution = decision.execution();
  decision.command({
    type: 'RequestSlot',
    workflowId: execution.workflowId,
    taskId: task.taskId,
    taskType: task.taskType,
    requestedAt: decision.at,
    ...(concurrent > 0 ? { concurrentExecLimit: concurrent } : {}),
    ...(rate > 0
      ? { rateLimitPerFrequency: rate, rateLimitFrequencyInSeconds: Math.max(1, taskDef.rateLimitFrequencyInSeconds ?? 1) }
      : {}),
  });
  const pollTimeout = taskDef.pollTimeoutSeconds ?? 0;
  if (pollTimeout > 0) scheduleTimer(decision, { kind: 'pollTimeout', taskId: task.taskId }, decision.at + pollTimeout * 1000);
};

const stringifyCase = (value: unknown): string =>
  typeof value === 'string'
    ? value
    : typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint'
      ? value.toString()
      : (JSON.stringify(value) ?? 'null');

const runSwitch = (decision: Decision, task: TaskRecord): void => {
  const node = task.workflowTask;
  const legacy = task.type === 'DECISION';
  const script = legacy ? node.caseExpression : node.evaluatorType === 'value-param' ? undefined : node.expression;
  let value: unknown;
  if (script === undefined) value = task.inputData[(legacy ? node.caseValueParam : node.expression) ?? ''];
  else {
    const evaluated = decision.scripts.evaluateJavaScript(script, task.inputData);
    if (!evaluated.ok) {
      finishTask(decision, task.taskId, 'FAILED', { reason: evaluated.error, output: { error: evaluated.error } });
      return;
    }
    value = evaluated.value;
  }
  const chosen = stringifyCase(value);
  const cases = node.decisionCases ?? {};
  const explicit = Object.hasOwn(cases, chosen) ? cases[chosen] : undefined;
  // SWITCH: an explicit empty case runs nothing (not the default); DECISION falls back to the default
  const list = explicit === undefined || (legacy && explicit.length === 0) ? node.defaultCase : explicit;
  const output = legacy
    ? { caseOutput: [chosen] }
    : { evaluationResult: [chosen], selectedCase: explicit === undefined ? 'defaultCase' : chosen };
  decision.emit({
    type: 'TaskUpdated',
    data: { taskId: task.taskId, status: 'COMPLETED', at: decision.at, outputData: output, started: true },
  });
  if (!enterList(decision, list, placementOf(task))) leaveNode(decision, task);
};

const terminationOutput = (value: unknown): Record<string, unknown> =>
  isRecord(value) ? { ...value } : value === undefined || value === null ? {} : { output: value };

const runTerminate = (decision: Decision, task: TaskRecord): void => {
  const status = String(task.inputData['terminationStatus']) as 'COMPLETED' | 'FAILED' | 'TERMINATED';
  const output = terminationOutput(task.inputData['workflowOutput']);
  decision.emit({
    type: 'TaskUpdated',
    data: { taskId: task.taskId, status: 'COMPLETED', at: decision.at, outputData: output, started: true },
  });
  const reason =
    typeof task.inputData['terminationReason'] === 'string'
      ? task.inputData['terminationReason']
      : `Workflow is ${status} by TERMINATE task: ${task.taskId}`;
  endWorkflow(decision, status === 'COMPLETED' || status === 'FAILED' || status === 'TERMINATED' ? status : 'FAILED', {
    reason: status === 'COMPLETED' ? undefined : reason,
    viaDecider: true,
    output,
    failedTask: undefined,
  });
};

const runScript = (decision: Decision, task: TaskRecord): void => {
  const lambda = task.type === 'LAMBDA';
  const script = asText(task.inputData[lambda ? 'scriptExpression' : 'expression']);
  const evaluated = decision.scripts.evaluateJavaScript(script, task.inputData, { asFunctionBody: lambda });
  if (evaluated.ok) finishTask(decision, task.taskId, 'COMPLETED', { output: { result: evaluated.value ?? null } });
  // a script error is for good (Conductor: TerminateWorkflowException); running out of time may be retried
  else
    finishTask(decision, task.taskId, evaluated.timedOut ? 'FAILED' : 'FAILED_WITH_TERMINAL_ERROR', {
      reason: evaluated.error,
      output: { error: evaluated.error },
    });
};

const runJq = (decision: Decision, task: TaskRecord): void => {
  const evaluated = decision.scripts.evaluateJq(asText(task.inputData['queryExpression']), task.inputData);
  if (evaluated.ok)
    finishTask(decision, task.taskId, 'COMPLETED', { output: { result: evaluated.value[0] ?? null, resultList: evaluated.value } });
  else finishTask(decision, task.taskId, 'FAILED', { reason: evaluated.error, output: { error: evaluated.error } });
};

const runWait = (decision: Decision, task: TaskRecord): void => {
  const { duration, until } = task.inputData;
  if (duration !== undefined && duration !== null && until !== undefined && until !== null) {
    finishTask(decision, task.taskId, 'FAILED_WITH_TERMINAL_ERROR', { reason: 'Both duration and until are set' });
    return;
  }
  decision.emit({ type: 'TaskUpdated', data: { taskId: task.taskId, status: 'IN_PROGRESS', at: decision.at, started: true } });
  const taskDef = decision.execution().taskDefs[task.workflowTask.name];
  if ((taskDef?.timeoutSeconds ?? 0) > 0)
    scheduleTimer(decision, { kind: 'timeout', taskId: task.taskId }, decision.at + (taskDef?.timeoutSeconds ?? 0) * 1000);
  if (typeof duration === 'string' && duration !== '') {
    const seconds = parseDuration(duration);
    if (seconds === undefined) finishTask(decision, task.taskId, 'FAILED_WITH_TERMINAL_ERROR', { reason: `Invalid duration ${duration}` });
    else scheduleTimer(decision, { kind: 'wait', taskId: task.taskId }, decision.at + seconds * 1000);
  } else if (typeof until === 'string' && until !== '') {
    const at = parseUntil(until);
    if (at === undefined)
      finishTask(decision, task.taskId, 'FAILED_WITH_TERMINAL_ERROR', { reason: 'Invalid/Unsupported Wait Until format' });
    else if (at <= decision.at) finishTask(decision, task.taskId, 'COMPLETED', {});
    else scheduleTimer(decision, { kind: 'wait', taskId: task.taskId }, at);
  }
};

const runEvent = (decision: Decision, task: TaskRecord): void => {
  const execution = decision.execution();
  const sink = task.workflowTask.sink ?? 'conductor';
  const queue =
    sink === 'conductor'
      ? `conductor:${execution.definition.name}:${task.ref}`
      : sink.startsWith('conductor:')
        ? `conductor:${execution.definition.name}:${sink.slice(10)}`
        : sink;
  const payload = {
    ...task.inputData,
    workflowInstanceId: execution.workflowId,
    workflowType: execution.definition.name,
    workflowVersion: execution.definition.version ?? 1,
    correlationId: execution.correlationId ?? null,
  };
  decision.command({ type: 'PublishEvent', workflowId: execution.workflowId, taskId: task.taskId, sink: queue, payload });
  if (task.workflowTask.asyncComplete === true)
    decision.emit({
      type: 'TaskUpdated',
      data: {
        taskId: task.taskId,
        status: 'IN_PROGRESS',
        at: decision.at,
        started: true,
        outputData: { ...payload, event_produced: queue },
      },
    });
  else finishTask(decision, task.taskId, 'COMPLETED', { output: { ...payload, event_produced: queue } });
};

const runSubWorkflow = (decision: Decision, task: TaskRecord): void => {
  const execution = decision.execution();
  const params = resolveValue(task.workflowTask.subWorkflowParam ?? {}, expressionContext(decision, task.taskId)) as SubWorkflowParams;
  const name = params.name === undefined || params.name === null ? undefined : String(params.name);
  const subWorkflowId = `${task.taskId}:sub`;
  const inline = isRecord(params.workflowDefinition) ? params.workflowDefinition : undefined;
  const input = task.inputData;
  decision.emit({
    type: 'TaskUpdated',
    data: { taskId: task.taskId, status: 'IN_PROGRESS', at: decision.at, started: true, subWorkflowId, outputData: { subWorkflowId } },
  });
  decision.command({
    type: 'StartWorkflow',
    purpose: 'SUB_WORKFLOW',
    workflowId: subWorkflowId,
    name: name ?? inline?.name ?? '',
    ...(params.version === undefined ? {} : { version: Number(params.version) }),
    ...(inline === undefined ? {} : { definition: inline }),
    input,
    ...(execution.correlationId === undefined ? {} : { correlationId: execution.correlationId }),
    parentWorkflowId: execution.workflowId,
    parentWorkflowTaskId: task.taskId,
  });
};

/** A DO_WHILE: the body's first iteration; over `items`, each iteration sees `loopItem` and `loopIndex` in its output. */
const startLoop = (decision: Decision, task: TaskRecord): void => {
  const itemsTemplate = task.workflowTask['items'];
  if (itemsTemplate === undefined) {
    decision.emit({
      type: 'TaskUpdated',
      data: { taskId: task.taskId, status: 'IN_PROGRESS', at: decision.at, started: true, outputData: { iteration: 1 } },
    });
    enterList(decision, task.workflowTask.loopOver, { branch: task.branch, iteration: 1, loopTaskId: task.taskId });
    return;
  }
  const items = resolveValue(itemsTemplate, expressionContext(decision, task.taskId));
  if (!Array.isArray(items)) {
    finishTask(decision, task.taskId, 'FAILED_WITH_TERMINAL_ERROR', { reason: 'DO_WHILE items did not resolve to a list' });
    return;
  }
  // the list is kept on the task, so later iterations read the list the loop started with
  decision.emit({
    type: 'TaskUpdated',
    data: {
      taskId: task.taskId,
      status: 'IN_PROGRESS',
      at: decision.at,
      started: true,
      inputData: { ...task.inputData, items },
      outputData: { iteration: 0 },
    },
  });
  if (items.length === 0) {
    finishTask(decision, task.taskId, 'COMPLETED', { output: { iteration: 0 } });
    return;
  }
  decision.emit({
    type: 'TaskUpdated',
    data: {
      taskId: task.taskId,
      status: 'IN_PROGRESS',
      at: decision.at,
      outputData: { iteration: 1, loopItem: items[0] as unknown, loopIndex: 0 },
    },
  });
  enterList(decision, task.workflowTask.loopOver, { branch: task.branch, iteration: 1, loopTaskId: task.taskId });
};

/** A scheduled task's first step by its type; `delaySeconds` holds a retry back on a durable timer. */
export const startTask = (decision: Decision, task: TaskRecord, options: { readonly delaySeconds: number }): void => {
  if (options.delaySeconds > 0) {
    scheduleTimer(decision, { kind: 'retry', taskId: task.taskId }, decision.at + options.delaySeconds * 1000);
    return;
  }
  switch (task.type) {
    case 'SIMPLE':
    case 'DYNAMIC':
    case 'HTTP':
      handOut(decision, task);
      return;
    case 'SWITCH':
    case 'DECISION':
      runSwitch(decision, task);
      return;
    case 'FORK_JOIN':
    case 'FORK_JOIN_DYNAMIC':
      startFork(decision, task);
      return;
    case 'JOIN':
      decision.emit({ type: 'TaskUpdated', data: { taskId: task.taskId, status: 'IN_PROGRESS', at: decision.at, started: true } });
      checkJoins(decision);
      return;
    case 'TERMINATE':
      runTerminate(decision, task);
      return;
    case 'SET_VARIABLE':
      decision.emit({
        type: 'VariablesUpdated',
        data: { variables: { ...decision.execution().variables, ...task.inputData }, at: decision.at },
      });
      finishTask(decision, task.taskId, 'COMPLETED', {});
      return;
    case 'INLINE':
    case 'LAMBDA':
      runScript(decision, task);
      return;
    case 'JSON_JQ_TRANSFORM':
      runJq(decision, task);
      return;
    case 'WAIT':
      runWait(decision, task);
      return;
    case 'EVENT':
      runEvent(decision, task);
      return;
    case 'SUB_WORKFLOW':
      runSubWorkflow(decision, task);
      return;
    case 'DO_WHILE':
      startLoop(decision, task);
      return;
    default:
      finishTask(decision, task.taskId, 'FAILED_WITH_TERMINAL_ERROR', { reason: `task type ${task.type} is not supported` });
  }
};
