import { UndecodableError, ValidationError, WaggleError } from '@waggle/errors';
import avro from 'avsc';
import type { Resolver, Type } from 'avsc';
import { findSchemaViolations } from './findSchemaViolations.ts';
import type { SchemaViolation } from './findSchemaViolations.ts';
import { createRegistryClient } from './registryClient.ts';
import { fromWireFormat, toWireFormat } from './wireFormat.ts';

/** A local (reader and writer) schema: what `loadSchemas()` of @waggle/schemas returns fits. */
export type SchemaSource = { readonly fullName: string; readonly schema: unknown };

/** An event read from Confluent wire format, resolved to the local schema of the same full name when there is one. */
export type DecodedEvent = { readonly fullName: string; readonly schemaId: number; readonly data: unknown };

/** Avro in Confluent wire format with subjects `<topic>-<record full name>`. */
export type AvroSerde = {
  /** Registers the local schema `fullName` under subject `<topic>-<fullName>` (BACKWARD_TRANSITIVE) and returns its id. */
  register(topic: string, fullName: string): Promise<number>;
  /** Validates `data` against the local schema, registers it if needed, and returns the wire-format bytes. */
  encode(topic: string, fullName: string, data: unknown): Promise<Buffer>;
  /** Reads wire-format bytes with the writer schema from the registry, resolved to the local schema. */
  decode(bytes: Buffer): Promise<DecodedEvent>;
  /** Where `data` does not match the local schema `fullName`; empty when it does. */
  validate(fullName: string, data: unknown): SchemaViolation[];
};

const compatibility = 'BACKWARD_TRANSITIVE';

type Local = { readonly type: Type; readonly text: string };
type Reading = { readonly fullName: string; readonly reader: Type; readonly resolver: Resolver | undefined };

// caches a promise per key so concurrent callers share one registry call; a failure is not cached
const memoize = <K, V>(cache: Map<K, Promise<V>>, key: K, load: () => Promise<V>): Promise<V> => {
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const loading = load();
  cache.set(key, loading);
  loading.catch(() => {
    if (cache.get(key) === loading) cache.delete(key);
  });
  return loading;
};

/**
 * Creates the Avro serde of a service. Schema ids are cached both ways — (subject, schema) → id for encode
 * and id → writer schema for decode — so a running producer or consumer keeps working while the registry is
 * briefly down; a cache miss then throws `TransientError`. Bytes that cannot be read throw
 * `UndecodableError`; data that breaks its schema throws `ValidationError` with field paths. Nothing talks
 * to the registry before the first call.
 */
export const createAvroSerde = ({
  registryUrl,
  schemas,
  requestTimeoutMs = 5000,
}: {
  registryUrl: string;
  schemas: readonly SchemaSource[];
  /** How long one registry call may take before it counts as the registry being down. */
  requestTimeoutMs?: number;
}): AvroSerde => {
  const registry = createRegistryClient({ url: registryUrl, timeoutMs: requestTimeoutMs });
  const locals = new Map<string, Local>(
    schemas.map(({ fullName, schema }) => {
      const type = avro.Type.forSchema(schema as avro.Schema);
      if (type.name !== fullName) throw new Error(`schema named ${fullName} declares ${type.name ?? type.typeName}`);
      return [fullName, { type, text: JSON.stringify(schema) }];
    }),
  );
  const idsBySubject = new Map<string, Promise<number>>();
  const readingsById = new Map<number, Promise<Reading>>();

  const localSchema = (fullName: string): Local => {
    const local = locals.get(fullName);
    if (local === undefined)
      throw new ValidationError(`no local schema named ${fullName}`, [{ path: '', message: `unknown schema ${fullName}` }]);
    return local;
  };

  const register = (topic: string, fullName: string): Promise<number> => {
    const local = localSchema(fullName);
    const subject = `${topic}-${fullName}`;
    return memoize(idsBySubject, subject, async () => {
      const level = await registry.getCompatibility(subject);
      if (level === undefined) await registry.setCompatibility(subject, compatibility);
      else if (level !== compatibility) {
        throw new WaggleError(`subject ${subject} has compatibility ${level}; waggle needs ${compatibility} (PUT /config/${subject})`, {
          retriable: false,
        });
      }
      const id = await registry.register(subject, local.text);
      // events this process writes decode without asking the registry
      readingsById.set(id, Promise.resolve({ fullName, reader: local.type, resolver: undefined }));
      return id;
    });
  };

  const loadReading = async (schemaId: number): Promise<Reading> => {
    const found = await registry.getSchema(schemaId);
    if (found === undefined) throw new UndecodableError(`schema id ${schemaId} is unknown to the schema registry`);
    if (found.schemaType !== undefined && found.schemaType.toUpperCase() !== 'AVRO') {
      throw new UndecodableError(`schema id ${schemaId} is a ${found.schemaType} schema, not Avro`);
    }
    let writer: Type;
    try {
      writer = avro.Type.forSchema(JSON.parse(found.schema) as avro.Schema);
    } catch (error) {
      throw new UndecodableError(`schema id ${schemaId} is not a valid Avro schema: ${(error as Error).message}`, { cause: error });
    }
    const fullName = writer.name ?? writer.typeName;
    const local = locals.get(fullName);
    if (local === undefined || local.type.equals(writer)) return { fullName, reader: local?.type ?? writer, resolver: undefined };
    try {
      return { fullName, reader: local.type, resolver: local.type.createResolver(writer) };
    } catch (error) {
      throw new UndecodableError(
        `${fullName} written with schema id ${schemaId} cannot be read with the local schema: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  };

  return {
    register,
    async encode(topic, fullName, data) {
      const local = localSchema(fullName);
      const violations = findSchemaViolations(local.type, data);
      if (violations.length > 0) {
        throw new ValidationError(
          `${fullName} does not match its schema: ${violations.map((v) => `${v.path || '(root)'}: ${v.message}`).join('; ')}`,
          violations,
        );
      }
      const schemaId = await register(topic, fullName);
      return toWireFormat(schemaId, local.type.toBuffer(data));
    },
    async decode(bytes) {
      const { schemaId, body } = fromWireFormat(bytes);
      const reading = await memoize(readingsById, schemaId, () => loadReading(schemaId));
      try {
        // fromBuffer also throws when bytes are left over, so a truncated or padded body is caught
        const data: unknown =
          reading.resolver === undefined ? reading.reader.fromBuffer(body) : reading.reader.fromBuffer(body, reading.resolver);
        return { fullName: reading.fullName, schemaId, data };
      } catch (error) {
        throw new UndecodableError(`${reading.fullName} (schema id ${schemaId}): corrupt Avro body: ${(error as Error).message}`, {
          cause: error,
        });
      }
    },
    validate(fullName, data) {
      const local = locals.get(fullName);
      if (local === undefined) return [{ path: '', message: `no local schema named ${fullName}` }];
      return findSchemaViolations(local.type, data);
    },
  };
};
