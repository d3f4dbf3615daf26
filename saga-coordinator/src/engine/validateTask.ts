import type { ScriptEvaluator } from './scriptEvaluator.ts';
import { unsupported } from './validationError.ts';
import type { ValidationProblem } from './validationError.ts';
import { parseDuration, parseUntil } from './waitTime.ts';
import { isSupportedTaskType, refusedTaskTypes, typeOf } from './workflowDef.ts';
import type { TaskDef, WorkflowTask } from './workflowDef.ts';

export type TaskCheckContext = {
  readonly taskDefs: ReadonlyMap<string, TaskDef>;
  readonly scripts?: Pick<ScriptEvaluator, 'checkJavaScript'>;
  readonly insideLoop: boolean;
  /** The JOIN right after a FORK_JOIN_DYNAMIC waits for every branch the fork made: its joinOn may be empty. */
  readonly followsDynamicFork?: boolean;
};

const isExpression = (value: unknown): boolean => typeof value === 'string' && value.includes('${');
const jsEvaluators = ['javascript', 'graaljs'];
const compensationTypes = ['SIMPLE', 'HTTP', 'EVENT', 'INLINE', 'SUB_WORKFLOW'];

/** The rules of one task node by its type (Conductor's WorkflowTaskTypeConstraint, plus what waggle refuses). */
export const validateTask = (task: WorkflowTask, path: string, context: TaskCheckContext): ValidationProblem[] => {
  const problems: ValidationProblem[] = [];
  const problem = (suffix: string, message: string, invalidValue?: unknown): void => {
    problems.push({ path: `${path}${suffix}`, message, ...(invalidValue === undefined ? {} : { invalidValue }) });
  };
  const checkScript = (suffix: string, script: string): void => {
    const error = context.scripts?.checkJavaScript(script);
    if (error !== undefined) problem(suffix, `script does not parse: ${error}`, script);
  };
  const input = task.inputParameters ?? {};
  const type = typeOf(task);
  if (typeof task.name !== 'string' || task.name === '') problem('.name', 'WorkflowTask name cannot be empty or null', task.name);
  if (typeof task.taskReferenceName !== 'string' || task.taskReferenceName === '')
    problem('.taskReferenceName', 'WorkflowTask taskReferenceName name cannot be empty or null', task.taskReferenceName);
  if (refusedTaskTypes[type] !== undefined) {
    problem('.type', `${unsupported}${refusedTaskTypes[type]}`, type);
    return problems;
  }
  if (!isSupportedTaskType(type)) {
    problem('.type', `unknown task type ${type}`, type);
    return problems;
  }
  switch (type) {
    case 'SIMPLE':
    case 'SET_VARIABLE':
      break;
    case 'EVENT': {
      const sink = task.sink;
      if (typeof sink !== 'string' || sink === '')
        problem('.sink', `sink field is required for taskType: EVENT taskName: ${task.name}`, sink);
      else if (!/^(conductor|kafka)(:|$)/.test(sink))
        problem('.sink', `${unsupported}EVENT sink ${sink}; use conductor or kafka:<topic>`, sink);
      break;
    }
    case 'DECISION':
      if (task.caseValueParam === undefined && task.caseExpression === undefined)
        problem('', `caseValueParam or caseExpression field is required for taskType: DECISION taskName: ${task.name}`);
      if (Object.keys(task.decisionCases ?? {}).length === 0)
        problem('.decisionCases', `decisionCases should have atleast one task for taskType: DECISION taskName: ${task.name}`);
      if (task.caseExpression !== undefined) checkScript('.caseExpression', task.caseExpression);
      break;
    case 'SWITCH':
      if (task.evaluatorType === undefined)
        problem('.evaluatorType', `evaluatorType field is required for taskType: SWITCH taskName: ${task.name}`);
      else if (task.evaluatorType === 'python') problem('.evaluatorType', `${unsupported}the python evaluator; use javascript`, 'python');
      else if (task.evaluatorType !== 'value-param' && !jsEvaluators.includes(task.evaluatorType))
        problem('.evaluatorType', `unknown evaluatorType ${task.evaluatorType}`, task.evaluatorType);
      if (typeof task.expression !== 'string' || task.expression === '')
        problem('.expression', `expression field is required for taskType: SWITCH taskName: ${task.name}`);
      else if (task.evaluatorType !== undefined && jsEvaluators.includes(task.evaluatorType)) checkScript('.expression', task.expression);
      if (Object.keys(task.decisionCases ?? {}).length === 0)
        problem('.decisionCases', `decisionCases should have atleast one task for taskType: SWITCH taskName: ${task.name}`);
      break;
    case 'DO_WHILE':
      if (task['items'] !== undefined && typeof task['items'] !== 'string' && !Array.isArray(task['items']))
        problem('.items', 'items must be an expression or a list', task['items']);
      if (typeof task.loopCondition === 'string' && task.loopCondition !== '') checkScript('.loopCondition', task.loopCondition);
      else if (task['items'] === undefined)
        problem('.loopCondition', `loopCondition field is required for taskType: DO_WHILE taskName: ${task.name}`);
      if ((task.loopOver ?? []).length === 0)
        problem('.loopOver', `loopOver field is required for taskType: DO_WHILE taskName: ${task.name}`);
      break;
    case 'DYNAMIC':
      if (task.dynamicTaskNameParam === undefined)
        problem('.dynamicTaskNameParam', `dynamicTaskNameParam field is required for taskType: DYNAMIC taskName: ${task.name}`);
      break;
    case 'FORK_JOIN_DYNAMIC':
      if (task.dynamicForkJoinTasksParam !== undefined || input['forkTaskInputs'] !== undefined)
        problem(
          '',
          `${unsupported}the legacy dynamicForkJoinTasksParam and the forkTaskInputs form; use dynamicForkTasksParam + dynamicForkTasksInputParamName`,
        );
      else if (task.dynamicForkTasksParam === undefined || task.dynamicForkTasksInputParamName === undefined)
        problem(
          '',
          `dynamicForkTasksParam and dynamicForkTasksInputParamName are required for taskType: FORK_JOIN_DYNAMIC taskName: ${task.name}`,
        );
      break;
    case 'HTTP': {
      const inTemplate = context.taskDefs.get(task.name)?.inputTemplate?.['http_request'];
      if (input['http_request'] === undefined && input['uri'] === undefined && inTemplate === undefined)
        problem('.inputParameters', `inputParameters.http_request field is required for taskType: HTTP taskName: ${task.name}`);
      break;
    }
    case 'FORK_JOIN':
      if ((task.forkTasks ?? []).length === 0)
        problem('.forkTasks', `forkTasks should have atleast one task for taskType: FORK_JOIN taskName: ${task.name}`);
      break;
    case 'JOIN':
      if ((task.joinOn ?? []).length === 0 && context.followsDynamicFork !== true)
        problem(
          '.joinOn',
          'joinOn is empty: it would complete at once (Conductor#18); name the last task of each branch',
          task.joinOn ?? [],
        );
      break;
    case 'TERMINATE': {
      const status = input['terminationStatus'];
      if (task.optional === true) problem('.optional', `terminate task '${task.name}' cannot be optional`, true);
      if (!isExpression(status) && !['COMPLETED', 'FAILED', 'TERMINATED'].includes(String(status)))
        problem(
          '.inputParameters.terminationStatus',
          `terminate task '${task.name}' terminationStatus must be one of COMPLETED, FAILED, TERMINATED`,
          status,
        );
      break;
    }
    case 'SUB_WORKFLOW':
      if (
        task.subWorkflowParam === undefined ||
        (task.subWorkflowParam.name === undefined && task.subWorkflowParam.workflowDefinition === undefined)
      )
        problem('.subWorkflowParam', `subWorkflowParam field is required for taskType: SUB_WORKFLOW taskName: ${task.name}`);
      break;
    case 'JSON_JQ_TRANSFORM':
      if (typeof input['queryExpression'] !== 'string' || input['queryExpression'] === '')
        problem(
          '.inputParameters.queryExpression',
          `queryExpression field is required for taskType: JSON_JQ_TRANSFORM taskName: ${task.name}`,
        );
      break;
    case 'WAIT': {
      const { duration, until } = input;
      if (duration !== undefined && until !== undefined)
        problem('.inputParameters', 'Both duration and until are set; only one is allowed');
      if (typeof duration === 'string' && !isExpression(duration) && parseDuration(duration) === undefined)
        problem('.inputParameters.duration', `Invalid duration ${duration}`, duration);
      if (typeof until === 'string' && !isExpression(until) && parseUntil(until) === undefined)
        problem('.inputParameters.until', 'Invalid/Unsupported Wait Until format', until);
      break;
    }
    case 'INLINE': {
      const evaluator = input['evaluatorType'] ?? 'javascript';
      if (evaluator === 'python')
        problem('.inputParameters.evaluatorType', `${unsupported}the python evaluator; use javascript`, evaluator);
      else if (typeof evaluator !== 'string' || !jsEvaluators.includes(evaluator))
        problem('.inputParameters.evaluatorType', `unknown evaluatorType ${JSON.stringify(evaluator)}`, evaluator);
      if (typeof input['expression'] !== 'string')
        problem('.inputParameters.expression', `expression is required for taskType: INLINE taskName: ${task.name}`);
      else if (!isExpression(input['expression'])) checkScript('.inputParameters.expression', input['expression']);
      break;
    }
    case 'LAMBDA':
      if (typeof input['scriptExpression'] !== 'string')
        problem('.inputParameters.scriptExpression', `scriptExpression is required for taskType: LAMBDA taskName: ${task.name}`);
      else checkScript('.inputParameters.scriptExpression', `(function () {\n${input['scriptExpression']}\n})`);
      break;
  }
  if (task['permissive'] === true) problem('.permissive', `${unsupported}permissive tasks (not yet); use optional or compensation`, true);
  if (task.compensation !== undefined && !compensationTypes.includes(typeOf(task.compensation)))
    problem(
      '.compensation.type',
      `${unsupported}a ${typeOf(task.compensation)} compensation; use one of ${compensationTypes.join(', ')}`,
      typeOf(task.compensation),
    );
  return problems;
};
