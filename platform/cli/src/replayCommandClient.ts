import type { ReplayStatus, VerificationReport, VersionRecord } from '@waggle/read-model';
import { waggleServices } from '@waggle/launcher';
import { CliError, exitCodes } from './exitCodes.ts';
import { serviceUrl } from './serviceUrls.ts';

/** Why a service's consumers must never be replayed by `waggle replay`. */
const refusals: Readonly<Record<string, string>> = {
  'saga-coordinator':
    'saga-coordinator runs sagas: replaying its records would run their steps (commands, payments) again. ' +
    'Sagas are never replayed; a saga execution is its own history.',
};

/** The read models `waggle replay` rebuilds: the services that are projections. */
export const readModelNames = (): string[] => waggleServices.filter((s) => s.entry.startsWith('projections/')).map((s) => s.name);

/** The URL of a read model's service, or a usage error that says why the name cannot be replayed. */
export const readModelUrl = (name: string): string => {
  const readModels = readModelNames();
  if (readModels.includes(name)) return serviceUrl(name);
  const service = waggleServices.find((s) => s.name === name);
  const why =
    refusals[name] ??
    (service !== undefined
      ? `${name} is a bounded context: its consumer groups are reactions that issue commands, and replaying them would ` +
        'fire those side effects again (held seats, confirmed bookings).'
      : `there is no read model named ${name}.`);
  throw new CliError(`${why} waggle replay rebuilds read models only: ${readModels.join(', ')}`, exitCodes.usage);
};

type Problem = { title?: string; detail?: string; status?: number };

/** Calls a read model's replay API; a problem answer becomes a CLI error (2 for bad input, 1 otherwise). */
export const callReplayApi = async <T>(name: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
  const url = `${readModelUrl(name)}/api/v1/replays${path}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: { 'content-type': 'application/json' },
      signal: AbortSignal.timeout(120_000),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    const setting = `${name.toUpperCase().replaceAll('-', '_')}_URL`;
    throw new CliError(
      `${name} does not answer at ${new URL(url).origin} (is it running? set ${setting} if it runs elsewhere)`,
      exitCodes.failure,
      {
        cause: error,
      },
    );
  }
  const answer = (await response.json().catch(() => ({}))) as T & Problem;
  if (!response.ok) {
    const code = response.status === 400 ? exitCodes.usage : exitCodes.failure;
    throw new CliError(`${name}: ${answer.detail ?? answer.title ?? `answered ${response.status}`}`, code);
  }
  return answer;
};

export const readStatus = (name: string, options: { brief?: boolean } = {}): Promise<ReplayStatus> =>
  callReplayApi<ReplayStatus>(name, 'GET', options.brief === true ? '?brief=true' : '');

export type StartedReplay = VersionRecord & { readonly resumed?: boolean };
export type { ReplayStatus, VerificationReport, VersionRecord };
