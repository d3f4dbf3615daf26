import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { CliError, exitCodes } from './exitCodes.ts';
import { parseJsonLines, parseJsonRecord, type InputProblem, type InputRecord } from './parseJsonLines.ts';

/** The records `waggle produce` was given, and the lines that are not records at all. */
export type ProduceInput = {
  /** How problems name the input: `--data`, `stdin` or the file path as typed. */
  readonly source: string;
  readonly records: readonly InputRecord[];
  readonly problems: readonly InputProblem[];
};

/** Reads `--data '<json>'` (one object) or `--file <path>` (JSON Lines; `-` for stdin), never both. */
export const readProduceInput = async (options: { data?: string; file?: string }): Promise<ProduceInput> => {
  if ((options.data === undefined) === (options.file === undefined))
    throw new CliError('pass exactly one of --data <json> and --file <events.jsonl>', exitCodes.usage);
  if (options.data !== undefined) {
    const parsed = parseJsonRecord(options.data, 1);
    return 'data' in parsed ? { source: '--data', records: [parsed], problems: [] } : { source: '--data', records: [], problems: [parsed] };
  }
  const file = options.file ?? '-';
  let content: string;
  try {
    content = file === '-' ? await text(process.stdin) : await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`, exitCodes.usage, { cause: error });
  }
  return { source: file === '-' ? 'stdin' : file, ...parseJsonLines(content) };
};
