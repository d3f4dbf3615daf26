/**
 * The saga coordinator's topics under one prefix (default `saga`): tests and side-by-side deployments use their own.
 * Every record is keyed by its execution's id, so one execution's traffic stays in order on one partition.
 */
export type SagaTopics = {
  /** Everything that moves an execution: starts, task results, timers, operator actions. The coordinator consumes it. */
  readonly inputs: string;
  /** Task commands for one task type: workers of that type consume it. */
  readonly tasks: (taskType: string) => string;
  /** Events EVENT tasks publish to the `conductor` sink. */
  readonly events: string;
};

/** The topics of a coordinator whose topics start with `prefix`. Task type names are made topic-safe. */
export const sagaTopics = (prefix = 'saga'): SagaTopics => ({
  inputs: `${prefix}.inputs`,
  tasks: (taskType) => `${prefix}.tasks.${taskType.replace(/[^a-zA-Z0-9._-]/g, '_')}`,
  events: `${prefix}.events`,
});
