import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.ts';

export type Loaded<T> =
  | { readonly state: 'loading'; readonly value?: T }
  | { readonly state: 'ok'; readonly value: T }
  | { readonly state: 'error'; readonly error: ApiError | Error; readonly value?: T };

/** Loads with `load` whenever `deps` change; `reload` loads again keeping the last value on screen (no flicker). */
export const useLoad = <T,>(load: () => Promise<T>, deps: readonly unknown[]): [Loaded<T>, () => void] => {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  const generation = useRef(0);
  const run = useCallback(() => {
    const mine = ++generation.current;
    load().then(
      (value) => mine === generation.current && setLoaded({ state: 'ok', value }),
      (error: unknown) =>
        mine === generation.current &&
        setLoaded((last) => ({
          state: 'error',
          error: error instanceof Error ? error : new Error(String(error)),
          ...(last.value === undefined ? {} : { value: last.value }),
        })),
    );
  }, deps);
  useEffect(() => {
    setLoaded((last) => ({ state: 'loading', ...(last.value === undefined ? {} : { value: last.value }) }));
    run();
  }, [run]);
  return [loaded, run];
};

/** Subscribes to a server-sent event stream while mounted. */
export const useEventStream = (url: string | undefined, event: string, onData: (data: unknown) => void): boolean => {
  const [connected, setConnected] = useState(false);
  const handler = useRef(onData);
  handler.current = onData;
  useEffect(() => {
    if (url === undefined) return undefined;
    const source = new EventSource(url);
    const listener = (message: MessageEvent<string>) => handler.current(JSON.parse(message.data));
    source.addEventListener(event, listener as EventListener);
    source.onopen = () => setConnected(true);
    source.onerror = () => setConnected(false);
    return () => source.close();
  }, [url, event]);
  return connected;
};

export const ErrorNote = ({ error, what }: { error: Error; what: string }) => (
  <div class="note error" role="alert">
    <strong>{what} failed.</strong> {error.message}
    {error instanceof ApiError && error.problem.status !== 0 && (
      <span>
        {' '}
        (HTTP {error.problem.status} from <code>{error.url}</code>)
      </span>
    )}
  </div>
);

/** A modal dialog (the browser's own: focus is trapped and Escape closes it). */
export const Dialog = ({
  title,
  open,
  onClose,
  children,
}: {
  title: string;
  open: boolean;
  onClose: () => void;
  children: ComponentChildren;
}) => {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog ref={ref} aria-labelledby="dialog-title" onClose={onClose}>
      <h2 id="dialog-title">{title}</h2>
      {open && children}
    </dialog>
  );
};

export const Tabs = <K extends string>({
  tabs,
  current,
  onSelect,
  label,
}: {
  tabs: readonly (readonly [K, string])[];
  current: K;
  onSelect: (key: K) => void;
  label: string;
}) => {
  const onKey = (event: KeyboardEvent, index: number) => {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (step === 0) return;
    event.preventDefault();
    const next = tabs[(index + step + tabs.length) % tabs.length];
    if (next === undefined) return;
    onSelect(next[0]);
    document.getElementById(`tab-${next[0]}`)?.focus();
  };
  return (
    <div role="tablist" aria-label={label} class="tabs">
      {tabs.map(([key, text], index) => (
        <button
          key={key}
          id={`tab-${key}`}
          role="tab"
          type="button"
          aria-selected={current === key}
          aria-controls={`panel-${key}`}
          tabIndex={current === key ? 0 : -1}
          onClick={() => onSelect(key)}
          onKeyDown={(event) => onKey(event, index)}
        >
          {text}
        </button>
      ))}
    </div>
  );
};

export const JsonView = ({ value, label }: { value: unknown; label: string }) => (
  <pre class="json" tabIndex={0} aria-label={label}>
    {JSON.stringify(value ?? null, null, 2)}
  </pre>
);
