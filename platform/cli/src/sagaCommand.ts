import { Command, Option } from 'commander';
import { CliError, exitCodes } from './exitCodes.ts';
import { formatTable } from './formatTable.ts';
import { callCoordinator, readObjectArgument } from './sagaCommandClient.ts';

type Summary = {
  workflowId: string;
  workflowType: string;
  version: number;
  status: string;
  startTime: string;
  endTime?: string;
  correlationId?: string;
};
type Task = { referenceTaskName: string; taskType: string; status: string; retryCount: number; reasonForIncompletion?: string };
type Workflow = Summary & {
  tasks?: Task[];
  reasonForIncompletion?: string;
  compensationStatus?: string;
  output?: unknown;
  workflowName?: string;
  workflowVersion?: number;
};

const statuses = ['RUNNING', 'COMPLETED', 'FAILED', 'TIMED_OUT', 'TERMINATED', 'PAUSED'];
const path = (id: string): string => `/api/workflow/${encodeURIComponent(id)}`;
/** `?reason=…` (when given) and the other parameters of an operator action. */
const withReason = (options: Record<string, string | boolean | undefined>, more: Record<string, string> = {}): string => {
  const query = new URLSearchParams({ ...(typeof options['reason'] === 'string' ? { reason: options['reason'] } : {}), ...more });
  return query.size === 0 ? '' : `?${query.toString()}`;
};

/**
 * An operator action on several executions, one after the other, with a line per execution as it goes (stderr) and a
 * JSON line per execution with --json; exit 1 when any was refused.
 */
const each = async (ids: readonly string[], json: boolean, verb: string, act: (id: string) => Promise<void>): Promise<void> => {
  let failed = 0;
  for (const [index, id] of ids.entries()) {
    try {
      await act(id);
      if (json) console.log(JSON.stringify({ workflowId: id, ok: true }));
      else console.error(`[${index + 1}/${ids.length}] ${verb} ${id}`);
    } catch (error) {
      if (!(error instanceof CliError) || ids.length === 1) throw error;
      failed += 1;
      if (json) console.log(JSON.stringify({ workflowId: id, ok: false, error: error.message }));
      else console.error(`[${index + 1}/${ids.length}] ${id}: ${error.message}`);
    }
  }
  if (failed > 0) throw new CliError(`${failed} of ${ids.length} refused`, exitCodes.failure);
};

const action = (
  parent: Command,
  name: string,
  description: string,
  act: (id: string, options: Record<string, string | boolean | undefined>) => Promise<void>,
) =>
  parent
    .command(name)
    .description(description)
    .argument('<workflowId...>', 'one or more execution ids')
    .option('--reason <text>', "why: recorded in each execution's history (a terminate's is also its reasonForIncompletion)")
    .option('--json', 'a JSON line per execution')
    .action(async (ids: string[], options: Record<string, string | boolean | undefined>) => {
      await each(ids, options['json'] === true, `${name}`, (id) => act(id, options));
    });

/** `waggle saga …`: start, list, show and operate saga executions on the coordinator (Conductor's API). */
export const sagaCommand = (): Command => {
  const saga = new Command('saga').description(
    'saga executions on the coordinator: start, list, show, pause, resume, terminate, retry, rerun, restart, skip, remove',
  );
  saga
    .command('start')
    .description('start an execution of a registered definition; prints its id')
    .argument('<name>', 'workflow definition name')
    .option('--input <json>', 'workflow input: a JSON object, or @file')
    .option('--version <n>', 'definition version (default: the latest)')
    .option('--correlation-id <id>', 'correlation id')
    .option('--idempotency-key <key>', 'one execution per key (see --strategy)')
    .addOption(
      new Option('--strategy <strategy>', 'what a reused key does')
        .choices(['FAIL', 'RETURN_EXISTING', 'FAIL_ON_RUNNING'])
        .default('RETURN_EXISTING'),
    )
    .option('--json', 'print {"workflowId": …}')
    .action(
      async (
        name: string,
        options: { input?: string; version?: string; correlationId?: string; idempotencyKey?: string; strategy: string; json?: boolean },
      ) => {
        const version = options.version === undefined ? undefined : Number(options.version);
        if (version !== undefined && (!Number.isSafeInteger(version) || version < 1))
          throw new CliError(`--version must be a positive integer, got ${options.version}`, exitCodes.usage);
        const request = {
          name,
          input: await readObjectArgument(options.input, '--input'),
          ...(version === undefined ? {} : { version }),
          ...(options.correlationId === undefined ? {} : { correlationId: options.correlationId }),
          ...(options.idempotencyKey === undefined
            ? {}
            : { idempotencyKey: options.idempotencyKey, idempotencyStrategy: options.strategy }),
        };
        const id = (await callCoordinator('POST', '/api/workflow', request)).text;
        console.log(options.json ? JSON.stringify({ workflowId: id }) : id);
      },
    );
  saga
    .command('list')
    .description('executions, newest first')
    .addOption(new Option('--status <status...>', 'only these statuses').choices(statuses))
    .option('--type <name...>', 'only these definitions')
    .option('--size <n>', 'how many', '20')
    .option('--json', 'the search result as JSON')
    .action(async (options: { status?: string[]; type?: string[]; size: string; json?: boolean }) => {
      const terms = [
        ...(options.type === undefined ? [] : [`workflowType IN (${options.type.join(',')})`]),
        ...(options.status === undefined ? [] : [`status IN (${options.status.join(',')})`]),
      ];
      const size = Number(options.size);
      if (!Number.isSafeInteger(size) || size < 1 || size > 5000)
        throw new CliError(`--size must be 1..5000, got ${options.size}`, exitCodes.usage);
      const query = new URLSearchParams({ query: terms.join(' AND '), sort: 'startTime:DESC', size: String(size) });
      const found = (await callCoordinator('GET', `/api/workflow/search?${query.toString()}`)).json<{
        totalHits: number;
        results: Summary[];
      }>();
      if (options.json) {
        console.log(JSON.stringify(found));
        return;
      }
      console.log(
        formatTable(
          ['WORKFLOW ID', 'TYPE', 'VERSION', 'STATUS', 'STARTED'],
          found.results.map((s) => [s.workflowId, s.workflowType, String(s.version), s.status, s.startTime]),
        ),
      );
      console.error(`${found.results.length} of ${found.totalHits}`);
    });
  saga
    .command('show')
    .description('an execution and its tasks')
    .argument('<workflowId>')
    .option('--json', "Conductor's Workflow JSON")
    .action(async (id: string, options: { json?: boolean }) => {
      const answer = await callCoordinator('GET', path(id));
      if (options.json) {
        console.log(answer.text);
        return;
      }
      const workflow = answer.json<Workflow>();
      const compensation = workflow.compensationStatus === undefined ? '' : ` (${workflow.compensationStatus})`;
      console.log(
        `${workflow.workflowId}  ${workflow.workflowName ?? workflow.workflowType} v${workflow.workflowVersion ?? workflow.version}  ${workflow.status}${compensation}`,
      );
      if (workflow.reasonForIncompletion !== undefined) console.log(`reason: ${workflow.reasonForIncompletion}`);
      console.log(
        formatTable(
          ['TASK', 'TYPE', 'STATUS', 'RETRY', 'REASON'],
          (workflow.tasks ?? []).map((t) => [
            t.referenceTaskName,
            t.taskType,
            t.status,
            String(t.retryCount),
            t.reasonForIncompletion ?? '',
          ]),
        ),
      );
    });
  action(saga, 'pause', 'pause executions: nothing new is scheduled until resumed', (id, options) =>
    callCoordinator('PUT', `${path(id)}/pause${withReason(options)}`).then(() => undefined),
  );
  action(saga, 'resume', 'resume paused executions', (id, options) =>
    callCoordinator('PUT', `${path(id)}/resume${withReason(options)}`).then(() => undefined),
  );
  action(saga, 'terminate', 'terminate executions (--compensate undoes their completed steps first)', (id, options) =>
    callCoordinator('DELETE', `${path(id)}${withReason(options, { compensate: String(options['compensate'] === true) })}`).then(
      () => undefined,
    ),
  ).option('--compensate', 'compensate completed steps in reverse order before ending');
  action(saga, 'retry', 'retry failed executions from their failed tasks', (id, options) =>
    callCoordinator(
      'POST',
      `${path(id)}/retry${withReason(options, options['resumeSubworkflows'] === true ? { resumeSubworkflowTasks: 'true' } : {})}`,
    ).then(() => undefined),
  ).option('--resume-subworkflows', 'retry a failed sub-workflow inside its child, from its failed step (not a new child)');
  action(
    saga,
    'remove',
    "remove ended executions from the API and search (their history stays in the coordinator's event store)",
    (id, options) =>
      callCoordinator('DELETE', `${path(id)}/${options['terminate'] === true ? 'terminate-remove' : 'remove'}${withReason(options)}`).then(
        () => undefined,
      ),
  ).option('--terminate', 'terminate an execution that still runs first (no compensation)');
  action(saga, 'restart', 'run ended executions again from the start', (id, options) =>
    callCoordinator('POST', `${path(id)}/restart${withReason(options, { useLatestDefinitions: String(options['latest'] === true) })}`).then(
      () => undefined,
    ),
  ).option('--latest', 'with the latest version of the definition');
  saga
    .command('rerun')
    .description('rerun an ended execution from a task (or from the start), with new input if given')
    .argument('<workflowId>')
    .option('--from-task <taskId>', 'rerun from this task id')
    .option('--task-input <json>', "the task's new input: a JSON object, or @file")
    .option('--input <json>', 'new workflow input: a JSON object, or @file')
    .option('--json', 'print {"workflowId": …}')
    .action(async (id: string, options: { fromTask?: string; taskInput?: string; input?: string; json?: boolean }) => {
      const body = {
        reRunFromWorkflowId: id,
        ...(options.fromTask === undefined ? {} : { reRunFromTaskId: options.fromTask }),
        ...(options.taskInput === undefined ? {} : { taskInput: await readObjectArgument(options.taskInput, '--task-input') }),
        ...(options.input === undefined ? {} : { workflowInput: await readObjectArgument(options.input, '--input') }),
      };
      await callCoordinator('POST', `${path(id)}/rerun`, body);
      console.log(options.json ? JSON.stringify({ workflowId: id }) : `rerun ${id}`);
    });
  saga
    .command('skip')
    .description('skip a task of a running execution that is not scheduled yet')
    .argument('<workflowId>')
    .argument('<taskReferenceName>')
    .option('--output <json>', "the skipped task's output: a JSON object, or @file")
    .option('--json', 'print {"workflowId": …, "skipped": …}')
    .action(async (id: string, ref: string, options: { output?: string; json?: boolean }) => {
      await callCoordinator('PUT', `${path(id)}/skiptask/${encodeURIComponent(ref)}`, {
        taskOutput: await readObjectArgument(options.output, '--output'),
      });
      console.log(options.json ? JSON.stringify({ workflowId: id, skipped: ref }) : `skipped ${ref} of ${id}`);
    });
  return saga;
};
