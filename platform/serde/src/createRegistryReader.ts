import { TransientError, WaggleError } from '@waggle/errors';

/** The latest version of a subject as the registry holds it; `schema` is the schema's JSON text. */
export type RegisteredSchema = {
  readonly subject: string;
  readonly version: number;
  readonly id: number;
  readonly schema: string;
  readonly schemaType?: string;
};

/** Read-only calls of the Confluent Schema Registry REST API, for tools that show or check what is registered. */
export type RegistryReader = {
  /** Every subject, sorted. */
  subjects(): Promise<string[]>;
  /** The subject's latest version, or `undefined` when the subject is not registered (404). */
  latest(subject: string): Promise<RegisteredSchema | undefined>;
};

// statuses worth asking again: the registry or something in front of it is busy or restarting
const isTransientStatus = (status: number): boolean => status >= 500 || status === 408 || status === 429;

/**
 * Creates a reader of the registry at `url` (Confluent, or Apicurio's `/apis/ccompat/v7`). No answer, a timeout
 * or a 5xx throws `TransientError`; any other unexpected answer throws a non-retriable `WaggleError`.
 */
export const createRegistryReader = ({ url, timeoutMs = 5000 }: { url: string; timeoutMs?: number }): RegistryReader => {
  const base = url.replace(/\/+$/, '');

  const get = async (path: string): Promise<{ status: number; body: unknown }> => {
    const what = `GET ${base}${path}`;
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${base}${path}`, {
        headers: { accept: 'application/vnd.schemaregistry.v1+json, application/json' },
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      // fetch rejects with a TypeError on a refused or dropped connection, and a TimeoutError on the deadline
      const reason = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
      throw new TransientError(`schema registry did not answer ${what}: ${reason}`, { cause: error });
    }
    if (isTransientStatus(response.status))
      throw new TransientError(`schema registry answered ${response.status} to ${what}: ${text.slice(0, 200)}`);
    try {
      return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
    } catch (error) {
      throw new WaggleError(`schema registry answered ${what} with something not JSON: ${text.slice(0, 200)}`, {
        retriable: false,
        cause: error,
      });
    }
  };

  const refused = (status: number, body: unknown, what: string): WaggleError =>
    new WaggleError(`schema registry refused ${what}: ${status} ${JSON.stringify(body)}`, { retriable: false });

  return {
    async subjects() {
      const { status, body } = await get('/subjects');
      if (status !== 200 || !Array.isArray(body) || !body.every((s) => typeof s === 'string'))
        throw refused(status, body, 'listing subjects');
      return [...body].sort();
    },
    async latest(subject) {
      const { status, body } = await get(`/subjects/${encodeURIComponent(subject)}/versions/latest`);
      if (status === 404) return undefined;
      const found = body as Partial<RegisteredSchema> | undefined;
      if (status !== 200 || typeof found?.id !== 'number' || typeof found.version !== 'number' || typeof found.schema !== 'string')
        throw refused(status, body, `the latest version of ${subject}`);
      return {
        subject,
        version: found.version,
        id: found.id,
        schema: found.schema,
        ...(typeof found.schemaType === 'string' ? { schemaType: found.schemaType } : {}),
      };
    },
  };
};
