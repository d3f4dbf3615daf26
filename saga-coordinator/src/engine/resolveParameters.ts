import { JSONPath } from 'jsonpath-plus';

/** What `${…}` can read: `workflow`, each task ref, and `CPEWF_TASK_ID` while a task is being scheduled. */
export type ExpressionContext = Readonly<Record<string, unknown>>;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

// a definite path (dots, [n], ['key']) is walked directly; anything else (.., *, filters, slices) goes to JSONPath
const definiteStep = /^(?:\.?([^.[\]]+)|\[(\d+)\]|\[(?:'([^']*)'|"([^"]*)")\])/;

const walkDefinite = (context: ExpressionContext, path: string): { readonly found: boolean; readonly value?: unknown } => {
  let current: unknown = context;
  let rest = path.trim();
  while (rest.length > 0) {
    const step = definiteStep.exec(rest);
    if (step === null) return { found: false };
    const [whole, name, index, quoted1, quoted2] = step;
    const key = name ?? quoted1 ?? quoted2;
    if (key !== undefined) {
      if (!isRecord(current) || !(key in current)) return { found: true, value: null };
      current = current[key];
    } else if (index !== undefined) {
      if (!Array.isArray(current)) return { found: true, value: null };
      current = (current as unknown[])[Number(index)] ?? null;
    }
    rest = rest.slice(whole.length);
  }
  return { found: true, value: current === undefined ? null : current };
};

const isIndefinite = (path: string): boolean => /\.\.|\*|\?\(|\[[^\]]*[,:][^\]]*\]|@/.test(path);

/** The value at a Jayway-style path (no leading `$.`); missing → null, as Conductor suppresses path errors. */
export const readPath = (context: ExpressionContext, path: string): unknown => {
  if (!isIndefinite(path)) {
    const walked = walkDefinite(context, path);
    if (walked.found) return walked.value;
  }
  try {
    const normalized = path.startsWith('$') ? path : `$.${path}`;
    const result = JSONPath<unknown[]>({ path: normalized, json: context as object, wrap: true, eval: 'safe' });
    return isIndefinite(path) ? result : (result[0] ?? null);
  } catch {
    // Conductor runs JsonPath with SUPPRESS_EXCEPTIONS: a path that cannot be read is null
    return null;
  }
};

const closingBrace = (text: string, open: number): number => {
  let depth = 0;
  for (let index = open; index < text.length; index += 1) {
    if (text.startsWith('${', index)) {
      depth += 1;
      index += 1;
    } else if (text[index] === '}') {
      depth -= 1;
      if (depth === 0) return index;
    }
  }
  return -1;
};

const stringify = (value: unknown): string =>
  typeof value === 'string'
    ? value
    : typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint'
      ? value.toString()
      : (JSON.stringify(value) ?? 'null');

/**
 * One string with `${…}`: exactly one expression gives the typed value; expressions inside text are stringified
 * (null → "null"). `${a.${b}}` resolves the inner one first; `$${` is a literal `${`.
 */
export const resolveString = (text: string, context: ExpressionContext): unknown => {
  const parts: unknown[] = [];
  let index = 0;
  let literal = '';
  while (index < text.length) {
    if (text.startsWith('$${', index)) {
      literal += '${';
      index += 3;
      continue;
    }
    if (text.startsWith('${', index)) {
      const end = closingBrace(text, index);
      if (end === -1) break;
      if (literal !== '') parts.push(literal);
      literal = '';
      const inner = stringify(resolveString(text.slice(index + 2, end), context));
      parts.push({ expression: readPath(context, inner) });
      index = end + 1;
      continue;
    }
    literal += text[index] as string;
    index += 1;
  }
  literal += text.slice(index);
  if (literal !== '') parts.push(literal);
  const [only] = parts;
  if (parts.length === 1 && isRecord(only) && 'expression' in only) return only.expression;
  if (parts.length === 0) return '';
  return parts.map((part) => (typeof part === 'string' ? part : stringify((part as { expression: unknown }).expression))).join('');
};

/** Every string in a nested object/array resolved against the context; other values are kept. */
export const resolveValue = (template: unknown, context: ExpressionContext): unknown => {
  if (typeof template === 'string')
    return template.includes('${') || template.includes('$${') ? resolveString(template, context) : template;
  if (Array.isArray(template)) return template.map((item) => resolveValue(item, context));
  if (isRecord(template)) return Object.fromEntries(Object.entries(template).map(([key, value]) => [key, resolveValue(value, context)]));
  return template;
};

/** A task's inputParameters resolved; keys that resolve to null take the task def's inputTemplate default. */
export const resolveParameters = (
  parameters: Readonly<Record<string, unknown>> | undefined,
  context: ExpressionContext,
  inputTemplate: Readonly<Record<string, unknown>> = {},
): Record<string, unknown> => {
  const resolved = resolveValue(parameters ?? {}, context) as Record<string, unknown>;
  const withDefaults: Record<string, unknown> = { ...(resolveValue(inputTemplate, context) as Record<string, unknown>) };
  for (const [key, value] of Object.entries(resolved)) {
    if (value !== null && value !== undefined) withDefaults[key] = value;
    else if (!(key in withDefaults)) withDefaults[key] = null;
  }
  return withDefaults;
};
