import { readFile } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { CliError, exitCodes } from './exitCodes.ts';
import { serviceUrl } from './serviceUrls.ts';

type ConductorError = { message?: string; detail?: string; title?: string; validationErrors?: { path: string; message: string }[] };

/** An answer of the coordinator's Conductor API: its text (a bare id for starts) and its JSON when it has any. */
export type CoordinatorAnswer = { readonly status: number; readonly text: string; readonly json: <T>() => T };

/** Who runs the CLI: `WAGGLE_OPERATOR`, else the OS user at this host. */
const operatorName = (): string => process.env['WAGGLE_OPERATOR'] ?? `${userInfo().username}@${hostname()}`;

/**
 * Calls the saga coordinator's Conductor API (`SAGA_COORDINATOR_URL`, default the port `waggle start` gives it). A
 * refusal becomes a CLI error with the coordinator's message and each validation error: exit 2 for bad input (400,
 * 404: no such definition or execution), 1 otherwise (409: the execution's state does not allow it).
 */
export const callCoordinator = async (
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<CoordinatorAnswer> => {
  const base = serviceUrl('saga-coordinator');
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, {
      method,
      signal: AbortSignal.timeout(60_000),
      headers: {
        // who acts: the coordinator records it with each operator action
        ...(method === 'GET' ? {} : { 'x-waggle-operator': encodeURIComponent(operatorName()) }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new CliError(
      `the saga coordinator does not answer at ${base} (is it running? set SAGA_COORDINATOR_URL if it runs elsewhere)`,
      exitCodes.failure,
      {
        cause: error,
      },
    );
  }
  const text = await response.text();
  const json = <T>(): T => JSON.parse(text) as T;
  if (!response.ok) {
    let problem: ConductorError = {};
    try {
      problem = json<ConductorError>();
    } catch {
      problem = { message: text };
    }
    const details = (problem.validationErrors ?? []).map((e) => `\n  ${e.path}: ${e.message}`).join('');
    const code = response.status === 400 || response.status === 404 ? exitCodes.usage : exitCodes.failure;
    const message = problem.validationErrors?.length
      ? 'the definition is invalid:'
      : (problem.message ?? problem.detail ?? problem.title ?? `answered ${response.status}`);
    throw new CliError(`${message}${details}`, code);
  }
  return { status: response.status, text, json };
};

/** JSON given inline, or `@file`; a usage error (exit 2) names what is wrong with it. */
export const readJsonArgument = async (value: string, what: string): Promise<unknown> => {
  const text = value.startsWith('@')
    ? await readFile(value.slice(1), 'utf8').catch((error: unknown) => {
        throw new CliError(`cannot read ${what} from ${value.slice(1)}: ${(error as Error).message}`, exitCodes.usage);
      })
    : value;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`${what} is not JSON: ${(error as Error).message}`, exitCodes.usage);
  }
};

/** A JSON object argument (workflow input, task output). */
export const readObjectArgument = async (value: string | undefined, what: string): Promise<Record<string, unknown>> => {
  if (value === undefined) return {};
  const parsed = await readJsonArgument(value, what);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new CliError(`${what} must be a JSON object`, exitCodes.usage);
  return parsed as Record<string, unknown>;
};
