import { useEffect, useRef, useState } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';
import { call, enc, type Task, type Workflow } from '../api.ts';
import { Actions, type Outcome } from '../execution/Actions.tsx';
import { CompensationLane } from '../execution/CompensationLane.tsx';
import { Diagram } from '../execution/Diagram.tsx';
import { CorrelationPanel } from '../execution/KafkaRecords.tsx';
import { LastOperatorAction, OperatorHistory } from '../execution/OperatorHistory.tsx';
import { TaskDetail } from '../execution/TaskDetail.tsx';
import { TaskList, Timeline } from '../execution/TaskList.tsx';
import { fmtDuration, fmtTime, shortReason } from '../format.ts';
import { Status } from '../status.tsx';
import { ErrorNote, JsonView, Tabs, useEventStream, useLoad } from '../ui.tsx';

type Tab = 'tasks' | 'timeline' | 'history' | 'io' | 'json';
const tabs: readonly (readonly [Tab, string])[] = [
  ['tasks', 'Tasks'],
  ['timeline', 'Timeline'],
  ['history', 'Operator history'],
  ['io', 'Input & output'],
  ['json', 'Raw JSON'],
];

const isTerminal = (status: string): boolean => ['COMPLETED', 'FAILED', 'TIMED_OUT', 'TERMINATED'].includes(status);

/** One execution: its diagram with statuses, the compensation lane, tasks, timeline, input/output, raw JSON and actions. */
export const ExecutionPage = ({ id }: { id: string }) => {
  const [loaded, reload] = useLoad(() => call<Workflow>(`/api/workflow/${enc(id)}?includeTasks=true`), [id]);
  const [selectedId, setSelectedId] = useState<string | undefined>();
  const [tab, setTab] = useState<Tab>('tasks');
  const [outcome, setOutcome] = useState<Outcome | undefined>();
  const [, navigate] = useLocation();
  const workflow = loaded.value;

  // the stream says the history grew; reading again at most every 300 ms keeps a busy execution from flooding
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const live = useEventStream(`/api/waggle/stream/workflow/${enc(id)}`, 'changed', () => {
    pending.current ??= setTimeout(() => {
      pending.current = undefined;
      reload();
    }, 300);
  });
  useEffect(() => () => clearTimeout(pending.current), []);

  if (workflow === undefined) {
    if (loaded.state === 'error') return <ErrorNote error={loaded.error} what={`Reading execution ${id}`} />;
    return <p class="muted">Loading execution {id}…</p>;
  }
  const selected = workflow.tasks.find((t) => t.taskId === selectedId);
  const select = (task: Task) => {
    setSelectedId(task.taskId);
    requestAnimationFrame(() => document.getElementById('task-title')?.focus());
  };
  const end = workflow.endTime !== undefined && workflow.endTime > 0 ? workflow.endTime : undefined;
  const started = workflow.startTime ?? workflow.createTime;
  const failure = workflow.workflowDefinition.failureWorkflow;
  return (
    <article aria-labelledby="execution-title">
      <nav class="crumbs" aria-label="Breadcrumb">
        <Link href="/">Executions</Link> <span aria-hidden="true">›</span> <span>{workflow.workflowName}</span>
      </nav>
      <header class="execution-head">
        <div>
          <h1 id="execution-title">
            {workflow.workflowName} <span class="muted">v{workflow.workflowVersion}</span>
          </h1>
          <p class="mono id-line">{workflow.workflowId}</p>
        </div>
        <Status status={workflow.status} compensation={workflow.compensationStatus} />
      </header>
      {loaded.state === 'error' && <ErrorNote error={loaded.error} what="Refreshing this execution" />}
      <dl class="facts wide">
        <dt>Started</dt>
        <dd>{fmtTime(started)}</dd>
        <dt>Ended</dt>
        <dd>{fmtTime(end)}</dd>
        <dt>Duration</dt>
        <dd>{fmtDuration((end ?? Date.now()) - started)}</dd>
        <dt>Correlation id</dt>
        <dd class="mono">
          {workflow.correlationId === undefined ? (
            '—'
          ) : (
            <Link href={`/?correlationId=${enc(workflow.correlationId)}`}>{workflow.correlationId}</Link>
          )}
        </dd>
        {workflow.parentWorkflowId !== undefined && (
          <>
            <dt>Parent</dt>
            <dd class="mono">
              <Link href={`/execution/${enc(workflow.parentWorkflowId)}`}>{workflow.parentWorkflowId}</Link>
            </dd>
          </>
        )}
        {failure !== undefined && isTerminal(workflow.status) && workflow.status !== 'COMPLETED' && (
          <>
            <dt>Failure workflow</dt>
            <dd class="mono">
              <Link href={`/execution/${enc(`${workflow.workflowId}:failure`)}`}>{failure}</Link>
            </dd>
          </>
        )}
        {workflow.reasonForIncompletion !== undefined && (
          <>
            <dt>Reason</dt>
            <dd class="error-text">
              {shortReason(workflow.reasonForIncompletion)}
              {shortReason(workflow.reasonForIncompletion) !== workflow.reasonForIncompletion && (
                <details class="full-reason">
                  <summary>Conductor's whole message</summary>
                  {workflow.reasonForIncompletion}
                </details>
              )}
            </dd>
          </>
        )}
        <LastOperatorAction actions={workflow.operatorActions ?? []} />
        <dt>Live</dt>
        <dd>{live ? 'following changes as they happen' : 'connecting…'}</dd>
      </dl>
      <Actions
        workflow={workflow}
        onDone={(done) => {
          // a removed execution is gone: back to the list, which says so
          if (done.ok && done.verb === 'remove') return navigate(`/?removed=${enc(workflow.workflowId)}`);
          setOutcome(done);
          reload();
        }}
      />
      <div role="status" class="outcome-slot">
        {outcome !== undefined && (
          <p class={`note ${outcome.ok ? 'ok' : 'error'}`}>
            <span aria-hidden="true">{outcome.ok ? '✓ ' : '✕ '}</span>
            {outcome.text}{' '}
            {outcome.ok && (
              <>
                The execution is now {workflow.status.toLowerCase()}
                {workflow.compensationStatus === undefined ? '' : ` (${workflow.compensationStatus.toLowerCase()})`}.
              </>
            )}
          </p>
        )}
      </div>
      <div class={`split ${selected === undefined ? '' : 'with-detail'}`}>
        <section class="card" aria-labelledby="diagram-title">
          <h2 id="diagram-title">Diagram</h2>
          <Diagram
            def={workflow.workflowDefinition}
            tasks={workflow.tasks}
            status={workflow.status}
            selected={selectedId}
            onSelect={(node) => {
              if (node.task !== undefined) select(node.task);
            }}
          />
        </section>
        {selected !== undefined && <TaskDetail workflow={workflow} task={selected} onClose={() => setSelectedId(undefined)} />}
      </div>
      <CompensationLane workflow={workflow} onSelect={select} />
      <CorrelationPanel workflow={workflow} onSelect={select} />
      <section class="card" aria-label="Details">
        <Tabs tabs={tabs} current={tab} onSelect={setTab} label="Execution details" />
        <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
          {tab === 'tasks' && <TaskList tasks={workflow.tasks} onSelect={select} selected={selectedId} />}
          {tab === 'timeline' && <Timeline tasks={workflow.tasks} onSelect={select} operatorActions={workflow.operatorActions ?? []} />}
          {tab === 'history' && <OperatorHistory actions={workflow.operatorActions ?? []} />}
          {tab === 'io' && (
            <div class="io">
              <div>
                <h3>Input</h3>
                <JsonView value={workflow.input ?? {}} label="Workflow input" />
              </div>
              <div>
                <h3>Output</h3>
                <JsonView value={workflow.output ?? {}} label="Workflow output" />
              </div>
              <div>
                <h3>Variables</h3>
                <JsonView value={workflow.variables ?? {}} label="Workflow variables" />
              </div>
            </div>
          )}
          {tab === 'json' && <JsonView value={workflow} label="The execution as the API returns it" />}
        </div>
      </section>
    </article>
  );
};
