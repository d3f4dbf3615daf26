import { TransientError, ValidationError, WaggleError } from '@waggle/errors';

/** The few calls of the Confluent Schema Registry REST API the serde makes. */
export type RegistryClient = {
  /** The schema with this global id, or `undefined` when the registry does not know it (404). */
  getSchema(id: number): Promise<{ readonly schema: string; readonly schemaType?: string } | undefined>;
  /** The subject's own compatibility level, or `undefined` when it has none (404). */
  getCompatibility(subject: string): Promise<string | undefined>;
  setCompatibility(subject: string, level: string): Promise<void>;
  /** Registers the schema under the subject (idempotent) and returns its id. */
  register(subject: string, schema: string): Promise<number>;
};

type Answer = { readonly status: number; readonly body: unknown };

// statuses worth asking again: the registry or something in front of it is busy or restarting
const isTransientStatus = (status: number): boolean => status >= 500 || status === 408 || status === 429;

/**
 * A client of the Confluent Schema Registry REST API (Confluent, or Apicurio's `/apis/ccompat/v7`) on
 * `fetch`. No answer, a timeout or a 5xx throws `TransientError`; a 409/422 on register throws
 * `ValidationError` (incompatible or invalid schema); other refusals throw a non-retriable `WaggleError`.
 */
export const createRegistryClient = ({ url, timeoutMs = 5000 }: { url: string; timeoutMs?: number }): RegistryClient => {
  const base = url.replace(/\/+$/, '');

  const call = async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const what = `${method} ${base}${path}`;
    try {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: {
          accept: 'application/vnd.schemaregistry.v1+json, application/json',
          'content-type': 'application/vnd.schemaregistry.v1+json',
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        // an HTML error page from a proxy: keep the text for the message
      }
      if (isTransientStatus(response.status))
        throw new TransientError(`schema registry answered ${response.status} to ${what}: ${text.slice(0, 200)}`);
      return { status: response.status, body: parsed };
    } catch (error) {
      if (error instanceof WaggleError) throw error;
      // fetch rejects with a TypeError on a refused or dropped connection, and a TimeoutError on the deadline
      const reason = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
      throw new TransientError(`schema registry did not answer ${what}: ${reason}`, { cause: error });
    }
  };

  const refused = (answer: Answer, what: string): WaggleError =>
    new WaggleError(`schema registry refused ${what}: ${answer.status} ${JSON.stringify(answer.body)}`, { retriable: false });

  const messageOf = (body: unknown): string =>
    typeof body === 'object' && body !== null && 'message' in body ? String(body.message) : JSON.stringify(body);

  const getCompatibility = async (subject: string): Promise<string | undefined> => {
    const answer = await call('GET', `/config/${encodeURIComponent(subject)}`);
    if (answer.status === 404) return undefined;
    const body = answer.body as { compatibilityLevel?: unknown; compatibility?: unknown } | undefined;
    const level = body?.compatibilityLevel ?? body?.compatibility;
    if (answer.status !== 200 || typeof level !== 'string') throw refused(answer, `the config of ${subject}`);
    return level.toUpperCase();
  };

  return {
    async getSchema(id) {
      const answer = await call('GET', `/schemas/ids/${id}`);
      if (answer.status === 404) return undefined;
      const body = answer.body as { schema?: unknown; schemaType?: unknown } | undefined;
      if (answer.status !== 200 || typeof body?.schema !== 'string') throw refused(answer, `schema id ${id}`);
      return { schema: body.schema, ...(typeof body.schemaType === 'string' ? { schemaType: body.schemaType } : {}) };
    },
    getCompatibility,
    async setCompatibility(subject, level) {
      const answer = await call('PUT', `/config/${encodeURIComponent(subject)}`, { compatibility: level });
      if (answer.status === 200) return;
      // another process set it at the same moment (Apicurio: 409 "rule COMPATIBILITY already exists"): what
      // matters is the level the subject now has
      if (answer.status === 409 && (await getCompatibility(subject)) === level.toUpperCase()) return;
      throw refused(answer, `compatibility ${level} for ${subject}`);
    },
    async register(subject, schema) {
      const answer = await call('POST', `/subjects/${encodeURIComponent(subject)}/versions`, { schema });
      if (answer.status === 409) {
        throw new ValidationError(`schema registry rejected ${subject} as incompatible: ${messageOf(answer.body)}`, [
          { path: subject, message: messageOf(answer.body) },
        ]);
      }
      if (answer.status === 422) throw new ValidationError(`schema registry rejected ${subject} as invalid: ${messageOf(answer.body)}`);
      const id = (answer.body as { id?: unknown } | undefined)?.id;
      if (answer.status !== 200 || typeof id !== 'number') throw refused(answer, `registering ${subject}`);
      return id;
    },
  };
};
