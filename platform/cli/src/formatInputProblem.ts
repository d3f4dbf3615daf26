import type { InputProblem } from './parseJsonLines.ts';

/** A field path as the serde reports it (`passengers[1].lastName`) as a JSON Pointer (`/passengers/1/lastName`). */
export const toJsonPointer = (path: string): string =>
  path === ''
    ? ''
    : `/${path
        .replace(/\[(\d+)\]/g, '.$1')
        .split('.')
        .filter((segment) => segment !== '')
        .map((segment) => segment.replaceAll('~', '~0').replaceAll('/', '~1'))
        .join('/')}`;

/**
 * One problem as a compiler would print it, so editors and people can jump to it:
 * `events.jsonl:3: /seats: expected int, got "two"`. `--data` has no lines worth naming.
 */
export const formatInputProblem = (source: string, problem: InputProblem): string => {
  const where = source === '--data' ? source : `${source}:${problem.line}`;
  return `${where}: ${problem.path === undefined ? '' : `${problem.path === '' ? '(root)' : problem.path}: `}${problem.message}`;
};
