import { unsupported, type ValidationProblem } from '../engine/validationError.ts';

/** Conductor's `start_workflow` action; `idempotencyKey`/`idempotencyStrategy` as Orkes adds them (enforced here). */
export type StartWorkflowAction = {
  readonly name: string;
  readonly version?: number;
  readonly correlationId?: string;
  readonly input?: Readonly<Record<string, unknown>>;
  readonly taskToDomain?: Readonly<Record<string, string>>;
  readonly idempotencyKey?: string;
  readonly idempotencyStrategy?: 'FAIL' | 'RETURN_EXISTING' | 'FAIL_ON_RUNNING';
};

export type EventHandlerAction = {
  readonly action: string;
  readonly start_workflow?: StartWorkflowAction;
  readonly expandInlineJSON?: boolean;
};

/** Conductor's EventHandler (`/api/event`): on an event of `event`, when `condition` holds, run `actions`. */
export type EventHandler = {
  readonly name: string;
  /** `<queue type>:<queue name>`; waggle reads `kafka:<topic>`. */
  readonly event: string;
  readonly condition?: string;
  readonly evaluatorType?: string;
  readonly actions: readonly EventHandlerAction[];
  readonly active?: boolean;
};

const kafkaPrefix = 'kafka:';

/** The Kafka topic an event handler listens to (`kafka:<topic>`), or undefined for another queue type. */
export const topicOf = (handler: Pick<EventHandler, 'event'>): string | undefined =>
  handler.event.startsWith(kafkaPrefix) && handler.event.length > kafkaPrefix.length ? handler.event.slice(kafkaPrefix.length) : undefined;

/**
 * Conductor's rules for an event handler (name, event and at least one action; `start_workflow` needs a name), plus
 * what waggle does not run, each with its JSON path: other queues than Kafka, actions other than `start_workflow`,
 * evaluators other than `javascript`. `checkScript` reports a condition that does not parse.
 */
export const validateEventHandler = (handler: EventHandler, checkScript: (script: string) => string | undefined): ValidationProblem[] => {
  const problems: ValidationProblem[] = [];
  const problem = (path: string, message: string, invalidValue?: unknown) =>
    problems.push({ path, message, ...(invalidValue === undefined ? {} : { invalidValue }) });
  if (typeof handler.name !== 'string' || handler.name.trim() === '') problem('$.name', 'Missing event handler name');
  if (typeof handler.event !== 'string' || handler.event.trim() === '') problem('$.event', 'Missing event location');
  else if (topicOf(handler) === undefined) problem('$.event', `${unsupported}only kafka:<topic> events are consumed`, handler.event);
  if (handler.evaluatorType !== undefined && handler.evaluatorType !== 'javascript' && handler.evaluatorType !== 'graaljs')
    problem('$.evaluatorType', `${unsupported}evaluator ${handler.evaluatorType}`, handler.evaluatorType);
  if (typeof handler.condition === 'string' && handler.condition.trim() !== '') {
    const syntax = checkScript(handler.condition);
    if (syntax !== undefined) problem('$.condition', `condition does not parse: ${syntax}`, handler.condition);
  }
  // a body is only shaped like a handler: what it calls actions may be anything
  const actions: readonly EventHandlerAction[] = Array.isArray(handler.actions) ? (handler.actions as readonly EventHandlerAction[]) : [];
  if (actions.length === 0) problem('$.actions', 'No actions specified. Please specify at-least one action');
  else
    actions.forEach((action, index) => {
      const path = `$.actions[${index}]`;
      if (action.action !== 'start_workflow') {
        problem(`${path}.action`, `${unsupported}action ${String(action.action)} (start_workflow only)`, action.action);
        return;
      }
      const start = action.start_workflow;
      if (start === undefined || typeof start.name !== 'string' || start.name.trim() === '')
        problem(`${path}.start_workflow.name`, 'workflow name is required for start_workflow');
      const strategy = start?.idempotencyStrategy;
      if (strategy !== undefined && !['FAIL', 'RETURN_EXISTING', 'FAIL_ON_RUNNING'].includes(strategy))
        problem(`${path}.start_workflow.idempotencyStrategy`, 'must be FAIL, RETURN_EXISTING or FAIL_ON_RUNNING', strategy);
    });
  return problems;
};
