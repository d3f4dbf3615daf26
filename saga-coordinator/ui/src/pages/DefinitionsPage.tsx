import { useState } from 'preact/hooks';
import { Link, useLocation, useSearch } from 'wouter-preact';
import { ApiError, call, enc, type WorkflowDef } from '../api.ts';
import { Diagram } from '../execution/Diagram.tsx';
import { fmtTime } from '../format.ts';
import { ErrorNote, JsonView, Tabs, useLoad } from '../ui.tsx';

type Versions = Record<string, readonly { name: string; version: number; createTime?: number }[]>;
type Problem = { readonly path: string; readonly message: string };

const parse = (text: string): { ok: true; value: unknown } | { ok: false; message: string } => {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
};

const problemsOf = (error: unknown): Problem[] =>
  error instanceof ApiError ? [...(error.problem.validationErrors ?? error.problem.errors ?? [])] : [];

/** A start form: input JSON (one key per declared input parameter), correlation id; the new execution is opened. */
const StartForm = ({ def }: { def: WorkflowDef }) => {
  const [, navigate] = useLocation();
  const declared = Array.isArray(def['inputParameters']) ? (def['inputParameters'] as unknown[]).filter((p) => typeof p === 'string') : [];
  const [input, setInput] = useState(JSON.stringify(Object.fromEntries(declared.map((p) => [p, null])), null, 2));
  const [correlationId, setCorrelationId] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const start = async () => {
    const parsed = parse(input);
    if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value)) {
      setError(`The input must be a JSON object${parsed.ok ? '' : `: ${parsed.message}`}`);
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const id = await call<string>('/api/workflow', {
        method: 'POST',
        body: {
          name: def.name,
          version: def.version,
          input: parsed.value,
          ...(correlationId.trim() === '' ? {} : { correlationId: correlationId.trim() }),
        },
      });
      navigate(`/execution/${enc(id)}`);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      class="card start-form"
      aria-labelledby="start-title"
      onSubmit={(event) => {
        event.preventDefault();
        void start();
      }}
    >
      <h2 id="start-title">
        Start {def.name} v{def.version}
      </h2>
      <label>
        Input (JSON)
        <textarea
          name="input"
          rows={Math.min(12, declared.length + 3)}
          spellcheck={false}
          value={input}
          onInput={(e) => setInput((e.target as HTMLTextAreaElement).value)}
        />
      </label>
      <label>
        Correlation id / business key (optional)
        <input name="correlationId" value={correlationId} onInput={(e) => setCorrelationId((e.target as HTMLInputElement).value)} />
      </label>
      {error !== undefined && (
        <p class="note error" role="alert">
          {error}
        </p>
      )}
      <div class="buttons">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Starting…' : 'Start'}
        </button>
      </div>
    </form>
  );
};

/** Register a new version: the JSON validated by the coordinator, each error shown at its JSON path. */
const RegisterForm = ({ def, onRegistered }: { def: WorkflowDef; onRegistered: () => void }) => {
  const [text, setText] = useState(JSON.stringify({ ...def, version: (def.version ?? 1) + 1 }, null, 2));
  const [problems, setProblems] = useState<Problem[]>([]);
  const [said, setSaid] = useState<{ ok: boolean; text: string } | undefined>();
  const send = async (register: boolean) => {
    setProblems([]);
    const parsed = parse(text);
    if (!parsed.ok) {
      setSaid({ ok: false, text: `Not JSON: ${parsed.message}` });
      return;
    }
    try {
      await call(register ? '/api/metadata/workflow' : '/api/metadata/workflow/validate', { method: 'POST', body: parsed.value });
      setSaid({ ok: true, text: register ? 'Registered.' : 'Valid: the coordinator would register it.' });
      if (register) onRegistered();
    } catch (error) {
      setProblems(problemsOf(error));
      setSaid({ ok: false, text: error instanceof Error ? error.message : String(error) });
    }
  };
  return (
    <section class="card" aria-labelledby="register-title">
      <h2 id="register-title">Validate or register a new version</h2>
      <label>
        Workflow definition (JSON)
        <textarea rows={14} spellcheck={false} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
      </label>
      <div class="buttons">
        <button type="button" onClick={() => void send(false)}>
          Validate
        </button>
        <button type="button" class="primary" onClick={() => void send(true)}>
          Register
        </button>
      </div>
      <div role="status">
        {said !== undefined && <p class={`note ${said.ok ? 'ok' : 'error'}`}>{said.text}</p>}
        {problems.length > 0 && (
          <ul class="problems">
            {problems.map((p) => (
              <li key={`${p.path}:${p.message}`}>
                <code>{p.path}</code> {p.message}
              </li>
            ))}
          </ul>
        )}
      </div>
    </section>
  );
};

/** Workflow definitions: every name with its versions, a version's diagram and JSON, a start form, a new version. */
export const DefinitionsPage = ({ name }: { name?: string }) => {
  const search = useSearch();
  const wanted = Number(new URLSearchParams(search).get('version') ?? '') || undefined;
  const [versions, reloadVersions] = useLoad(() => call<Versions>('/api/metadata/workflow/names-and-versions'), []);
  const [def] = useLoad(
    async () =>
      name === undefined
        ? undefined
        : call<WorkflowDef>(`/api/metadata/workflow/${enc(name)}${wanted === undefined ? '' : `?version=${wanted}`}`),
    [name, wanted],
  );
  const [tab, setTab] = useState<'diagram' | 'json'>('diagram');
  const names = Object.keys(versions.value ?? {}).sort();
  const shown = def.value;
  return (
    <section aria-labelledby="definitions-title">
      <h1 id="definitions-title">Definitions</h1>
      {versions.state === 'error' && <ErrorNote error={versions.error} what="Reading the definitions" />}
      <div class="definitions">
        <nav class="card def-list" aria-label="Workflow definitions">
          {versions.state === 'ok' && names.length === 0 && (
            <p class="muted">
              No workflow is defined yet: register one with <code>waggle workflows register my-workflow.json</code> or{' '}
              <code>POST /api/metadata/workflow</code>.
            </p>
          )}
          <ul>
            {names.map((n) => {
              const list = versions.value?.[n] ?? [];
              const latest = list.reduce((a, v) => Math.max(a, v.version), 0);
              return (
                <li key={n}>
                  <Link href={`/definitions/${enc(n)}`} aria-current={n === name ? 'page' : undefined}>
                    {n}
                  </Link>{' '}
                  <span class="muted">
                    v{latest}
                    {list.length > 1 ? ` (${list.length} versions)` : ''}
                  </span>
                </li>
              );
            })}
          </ul>
        </nav>
        <div class="def-main">
          {name === undefined && <p class="muted">Pick a definition to see its diagram and JSON, start it, or register a new version.</p>}
          {def.state === 'error' && <ErrorNote error={def.error} what={`Reading ${name ?? ''}`} />}
          {shown !== undefined && (
            <>
              <section class="card" aria-labelledby="def-title">
                <h2 id="def-title">
                  {shown.name} v{shown.version}
                </h2>
                <p class="muted">{shown.description ?? 'No description.'}</p>
                <p>
                  Versions:{' '}
                  {(versions.value?.[shown.name] ?? []).map((v) => (
                    <span key={v.version}>
                      <Link
                        href={`/definitions/${enc(shown.name)}?version=${v.version}`}
                        aria-current={v.version === shown.version ? 'page' : undefined}
                      >
                        v{v.version}
                      </Link>{' '}
                      <span class="muted">({fmtTime(v.createTime)})</span>{' '}
                    </span>
                  ))}
                  · <Link href={`/?name=${enc(shown.name)}`}>its executions</Link>
                </p>
                <Tabs
                  tabs={[
                    ['diagram', 'Diagram'],
                    ['json', 'JSON'],
                  ]}
                  current={tab}
                  onSelect={setTab}
                  label="Definition views"
                />
                <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
                  {tab === 'diagram' ? (
                    <Diagram def={shown} tasks={[]} />
                  ) : (
                    <JsonView value={shown} label={`${shown.name} v${shown.version ?? 1} as JSON`} />
                  )}
                </div>
              </section>
              <StartForm key={`${shown.name}:${shown.version ?? 1}`} def={shown} />
              <RegisterForm key={`r${shown.name}:${shown.version ?? 1}`} def={shown} onRegistered={reloadVersions} />
            </>
          )}
        </div>
      </div>
    </section>
  );
};
