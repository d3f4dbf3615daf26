import type { ValidationProblem } from './validationError.ts';
import type { TaskDef } from './workflowDef.ts';

const retryLogics = ['FIXED', 'EXPONENTIAL_BACKOFF', 'LINEAR_BACKOFF'];
const timeoutPolicies = ['RETRY', 'TIME_OUT_WF', 'ALERT_ONLY'];

const nonNegative = (def: TaskDef, field: keyof TaskDef & string, problems: ValidationProblem[]): void => {
  const value = def[field];
  if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < 0))
    problems.push({ path: `$.${field}`, message: `TaskDef ${field} must be a number >= 0`, invalidValue: value });
};

/** A task definition's rules (Conductor's TaskDef constraints). */
export const validateTaskDef = (def: TaskDef): readonly ValidationProblem[] => {
  const problems: ValidationProblem[] = [];
  if (typeof def.name !== 'string' || def.name === '')
    problems.push({ path: '$.name', message: 'TaskDef name cannot be null or empty', invalidValue: def.name });
  for (const field of [
    'retryCount',
    'retryDelaySeconds',
    'timeoutSeconds',
    'totalTimeoutSeconds',
    'maxRetryDelaySeconds',
    'pollTimeoutSeconds',
  ] as const)
    nonNegative(def, field, problems);
  if (def.retryLogic !== undefined && !retryLogics.includes(def.retryLogic))
    problems.push({ path: '$.retryLogic', message: `retryLogic must be one of ${retryLogics.join(', ')}`, invalidValue: def.retryLogic });
  if (def.timeoutPolicy !== undefined && !timeoutPolicies.includes(def.timeoutPolicy))
    problems.push({
      path: '$.timeoutPolicy',
      message: `timeoutPolicy must be one of ${timeoutPolicies.join(', ')}`,
      invalidValue: def.timeoutPolicy,
    });
  if (def.backoffScaleFactor !== undefined && !(def.backoffScaleFactor >= 1))
    problems.push({
      path: '$.backoffScaleFactor',
      message: 'TaskDef backoffScaleFactor must be >= 1',
      invalidValue: def.backoffScaleFactor,
    });
  const response = def.responseTimeoutSeconds;
  if (response !== undefined && !(response >= 1))
    problems.push({
      path: '$.responseTimeoutSeconds',
      message: `TaskDef: ${def.name} responseTimeoutSeconds: ${response} must be greater than 0`,
      invalidValue: response,
    });
  const timeout = def.timeoutSeconds ?? 0;
  if (response !== undefined && timeout > 0 && response > timeout)
    problems.push({
      path: '$.responseTimeoutSeconds',
      message: `TaskDef: ${def.name} responseTimeoutSeconds: ${response} must be less than timeoutSeconds: ${timeout}`,
      invalidValue: response,
    });
  const total = def.totalTimeoutSeconds ?? 0;
  if (total > 0 && timeout > total)
    problems.push({
      path: '$.timeoutSeconds',
      message: `TaskDef: ${def.name} timeoutSeconds: ${timeout} must be less than or equal to totalTimeoutSeconds: ${total}`,
      invalidValue: timeout,
    });
  return problems;
};
