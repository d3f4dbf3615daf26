import { useEffect } from 'preact/hooks';
import { ApiError, call, enc, type CorrelatedRecord, type CorrelatedRecords, type Task, type Workflow } from '../api.ts';
import { Link } from 'wouter-preact';
import { useLoad } from '../ui.tsx';

/** `waggle.bookings.BookingRequested` → `BookingRequested`. */
const shortType = (type: string): string => type.split('.').at(-1) ?? type;
/**
 * `/waggle/bookings` → `bookings`. A context's task worker is named after its topic (`/waggle/<run>.flights.events/task-worker`):
 * said by the context's name too.
 */
const contextOf = (record: CorrelatedRecord): string => {
  const name = (record.source ?? '').replace(/^\/waggle\//, '').replace(/\/task-worker$/, '');
  return /([^.]+)\.events$/.exec(name)?.[1] ?? (name || record.topic);
};
const isSaga = (record: CorrelatedRecord): boolean => record.type.startsWith('waggle.saga.');

/** Records of one execution fall within seconds of each other: the time of day to the millisecond. */
const fmtTime = (iso: string): string => {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '—';
  const clock = date.toLocaleTimeString(undefined, { hour12: false, hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return `${clock}.${String(date.getMilliseconds()).padStart(3, '0')}`;
};

const where = (record: CorrelatedRecord): string => `${record.topic}/${record.partition}@${record.offset}`;

/** A record's place in Kafka, linking to what the index knows of it. */
export const RecordLink = ({ record }: { record: CorrelatedRecord }) => (
  <a
    class="mono"
    href={`/api/waggle/records/${enc(record.topic)}/${record.partition}/${record.offset}`}
    title={`topic ${record.topic}, partition ${record.partition}, offset ${record.offset}`}
  >
    {where(record)}
  </a>
);

/**
 * What a saga record did, said with the task's reference name, or for another execution's task (the failure workflow's,
 * a child's) with its task type, read from the topic its command went to.
 */
const sagaStep = (record: CorrelatedRecord, tasks: ReadonlyMap<string, Task>, typeOf: ReadonlyMap<string, string>): string => {
  const task = record.taskId === undefined ? undefined : tasks.get(record.taskId);
  const name =
    task === undefined
      ? ((record.taskId === undefined ? undefined : typeOf.get(record.taskId)) ?? record.taskId ?? '')
      : `${task.referenceTaskName}${task.retryCount > 0 ? ` (attempt ${task.retryCount + 1})` : ''}`;
  switch (shortType(record.type)) {
    case 'TaskCommand':
      return `${name} dispatched`;
    case 'TaskResult':
      return `${name} answered`;
    case 'TaskCanceled':
      return `${name} canceled`;
    case 'WorkflowStartRequested':
      return 'execution started';
    case 'OperatorActionRequested':
      return 'operator action';
    case 'TimerFired':
      return 'timer fired';
    default:
      return shortType(record.type);
  }
};

/** Another execution a record belongs to, linked: the failure workflow by that name, others by the start of their id. */
const OtherExecution = ({ id }: { id: string }) => (
  <span class="muted">
    {' '}
    in{' '}
    <Link href={`/execution/${enc(id)}`} title={id}>
      {id.endsWith(':failure') ? 'the failure workflow' : id.endsWith(':sub') ? 'a sub-workflow' : `execution ${id.slice(0, 8)}…`}
    </Link>
  </span>
);

/** Reads again while the index may still be catching up: while the execution runs, and for a minute after it ended. */
const useFollow = (reload: () => void, following: boolean): void => {
  useEffect(() => {
    if (!following) return undefined;
    const timer = setInterval(reload, 2_000);
    return () => clearInterval(timer);
  }, [reload, following]);
};

const isOff = (loaded: { state: string; error?: Error }): boolean =>
  loaded.state === 'error' && loaded.error instanceof ApiError && loaded.error.problem.status === 404;

const recent = (workflow: Workflow): boolean =>
  ['RUNNING', 'PAUSED'].includes(workflow.status) || Date.now() - (workflow.endTime ?? workflow.updateTime ?? 0) < 60_000;

/** The index switched off is a setting, said as such; anything else failed and says so. */
const IndexError = ({ error }: { error: Error }) =>
  error instanceof ApiError && error.problem.status === 404 ? (
    <p class="note">{error.message}: nothing follows this execution's correlation id across Kafka.</p>
  ) : (
    <p class="note error">Reading the correlation index failed: {error.message}</p>
  );

/**
 * What happened around it: the execution's correlation ids followed across Kafka — every context's domain events that
 * carry them and the saga's own task commands and results, in one timeline, each with its topic, partition and offset.
 */
export const CorrelationPanel = ({ workflow, onSelect }: { workflow: Workflow; onSelect: (task: Task) => void }) => {
  const [loaded, reload] = useLoad(
    () => call<CorrelatedRecords>(`/api/waggle/workflow/${enc(workflow.workflowId)}/records`),
    [workflow.workflowId, workflow.updateTime, workflow.tasks.length],
  );
  useFollow(reload, recent(workflow) && !isOff(loaded));
  const tasks = new Map(workflow.tasks.map((task) => [task.taskId, task]));
  // a task command's topic names its task type: what another execution's steps are called here
  const typeOf = new Map(
    (loaded.value?.records ?? []).flatMap((r) =>
      r.taskId !== undefined && r.topic.includes('.tasks.') ? [[r.taskId, r.topic.slice(r.topic.lastIndexOf('.tasks.') + 7)] as const] : [],
    ),
  );
  const found = loaded.value;
  const domain = found?.records.filter((record) => !isSaga(record)).length ?? 0;
  return (
    <section class="card around" aria-labelledby="around-title">
      <h2 id="around-title">What happened around it</h2>
      {loaded.state === 'error' && <IndexError error={loaded.error} />}
      {found === undefined ? (
        loaded.state !== 'error' && <p class="muted">Reading the Kafka records of this execution's correlation id…</p>
      ) : found.records.length === 0 ? (
        <p class="note empty">
          No Kafka record of this execution is indexed yet. The coordinator's correlation index reads the contexts' event topics and its own
          task topics a second or so behind; it follows correlation ids on the topics named by <code>SAGA_CORRELATION_TOPICS</code>.
        </p>
      ) : (
        <>
          <p class="muted">
            {domain} domain event{domain === 1 ? '' : 's'} of the contexts and {found.records.length - domain} saga record
            {found.records.length - domain === 1 ? '' : 's'} carrying correlation id{' '}
            {found.correlationIds.map((id, i) => (
              <span key={id}>
                {i > 0 && ', '}
                <code>{id}</code>
              </span>
            ))}
            , oldest first{found.truncated ? ' (the first ones only: there are more)' : ''}.
          </p>
          <div class="table-wrap" tabIndex={0} role="region" aria-label="Kafka records around this execution (scrolls sideways)">
            <table class="around-table">
              <caption class="sr-only">Domain events and saga steps around this execution, oldest first</caption>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">What</th>
                  <th scope="col">From</th>
                  <th scope="col">Topic / partition @ offset</th>
                </tr>
              </thead>
              <tbody>
                {found.records.map((record) => {
                  const task = record.taskId === undefined ? undefined : tasks.get(record.taskId);
                  const saga = isSaga(record);
                  return (
                    <tr
                      key={where(record)}
                      class={saga ? 'saga-row' : 'event-row'}
                      data-type={shortType(record.type)}
                      data-offset={where(record)}
                    >
                      <td class="nowrap" data-label="Time">
                        {fmtTime(record.time)}
                      </td>
                      <td data-label="What">
                        <span>
                          {saga ? (
                            <>
                              <span class="badge tone-comp kind">saga</span>{' '}
                              {task === undefined ? (
                                sagaStep(record, tasks, typeOf)
                              ) : (
                                <button type="button" class="link" onClick={() => onSelect(task)}>
                                  {sagaStep(record, tasks, typeOf)}
                                </button>
                              )}
                              {record.workflowId !== undefined && record.workflowId !== workflow.workflowId && (
                                <OtherExecution id={record.workflowId} />
                              )}
                            </>
                          ) : (
                            <>
                              <span class="badge tone-none kind">event</span> <strong>{shortType(record.type)}</strong>
                            </>
                          )}
                          {record.relation === 'cause' && (
                            <span class="muted">
                              {' '}
                              — what started it, under its own correlation id <code>{record.correlationId}</code>
                            </span>
                          )}
                        </span>
                      </td>
                      <td data-label="From" class="nowrap">
                        {contextOf(record)}
                      </td>
                      <td data-label="Where">
                        <RecordLink record={record} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
};

/** The task's Kafka records: the command of each attempt, a cancellation, the results, from the correlation index. */
export const TaskRecords = ({ workflow, task }: { workflow: Workflow; task: Task }) => {
  const [loaded, reload] = useLoad(
    () => call<CorrelatedRecords>(`/api/waggle/tasks/${enc(task.taskId)}/records`),
    [task.taskId, task.status, task.updateTime],
  );
  useFollow(reload, recent(workflow) && !isOff(loaded));
  const records = loaded.value?.records;
  return (
    <>
      <h3>Kafka records</h3>
      {loaded.state === 'error' && <IndexError error={loaded.error} />}
      {records !== undefined && records.length === 0 && (
        <p class="muted">
          None indexed for this task
          {task.workflowTask.type === undefined || task.workflowTask.type === 'SIMPLE'
            ? ' yet'
            : ' (the coordinator runs it itself: no command goes out)'}
          .
        </p>
      )}
      {records !== undefined && records.length > 0 && (
        <div class="table-wrap" tabIndex={0} role="region" aria-label={`Kafka records of ${task.referenceTaskName} (scrolls sideways)`}>
          <table class="task-records">
            <thead>
              <tr>
                <th scope="col">Record</th>
                <th scope="col">Time</th>
                <th scope="col">Topic / partition @ offset</th>
              </tr>
            </thead>
            <tbody>
              {records.map((record) => (
                <tr key={where(record)} data-type={shortType(record.type)}>
                  <td>{shortType(record.type).replace(/^Task/, '').toLowerCase()}</td>
                  <td class="nowrap">{fmtTime(record.time)}</td>
                  <td class="place">
                    <RecordLink record={record} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
};
