/** What an evaluation gives: a value, or why there is none (a `timedOut` error is retriable in Conductor's terms). */
export type Evaluation<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string; readonly timedOut: boolean };

/**
 * The port through which the decider runs scripts, so it stays deterministic and synchronous: a sandbox adapter
 * (QuickJS, jq) in the service, the same one in tests.
 */
export type ScriptEvaluator = {
  /**
   * A JavaScript *Script* with `$` bound to `input`: its value is the completion value of its last statement
   * (`if (x) { true; } else { false; }` is a value). `asFunctionBody` wraps it as a function body so `return`
   * works (LAMBDA's `scriptExpression`).
   */
  readonly evaluateJavaScript: (script: string, input: unknown, options?: { readonly asFunctionBody?: boolean }) => Evaluation<unknown>;
  /** Whether a script parses; `undefined` when it does, else the syntax error. */
  readonly checkJavaScript: (script: string) => string | undefined;
  /** A jq program over `input`: every value it outputs, in order. */
  readonly evaluateJq: (query: string, input: unknown) => Evaluation<readonly unknown[]>;
};
