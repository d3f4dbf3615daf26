/** A record read from the user's input, with the line it came from (1-based) for error messages. */
export type InputRecord = { readonly line: number; readonly data: Record<string, unknown> };

/** Something wrong with one input record: where (line, and field as a JSON Pointer when known) and what. */
export type InputProblem = { readonly line: number; readonly path?: string; readonly message: string };

const kindOf = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`);

/** One JSON object from `text`, or the problem with it; `line` is where the text started. */
export const parseJsonRecord = (text: string, line: number): InputRecord | InputProblem => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { line, message: `not valid JSON: ${(error as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { line, message: `expected a JSON object, got ${kindOf(value)}` };
  return { line, data: value as Record<string, unknown> };
};

/**
 * Reads JSON Lines: one JSON object per line. Blank lines are skipped but still counted, so line numbers match
 * what an editor shows; every bad line is reported, not only the first.
 */
export const parseJsonLines = (text: string): { records: InputRecord[]; problems: InputProblem[] } => {
  const records: InputRecord[] = [];
  const problems: InputProblem[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (const [index, content] of lines.entries()) {
    if (content.trim() === '') continue;
    const parsed = parseJsonRecord(content, index + 1);
    if ('data' in parsed) records.push(parsed);
    else problems.push(parsed);
  }
  return { records, problems };
};
