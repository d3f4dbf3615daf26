import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One Avro schema file of schemas/: an event type of a bounded context. */
export type SchemaFile = {
  /** Bounded context, the folder name, e.g. `bookings`. */
  readonly context: string;
  /** Event type name, equal to the record name and the file name, e.g. `BookingRequested`. */
  readonly type: string;
  /** Avro full name, e.g. `waggle.bookings.BookingRequested`. */
  readonly fullName: string;
  /** The parsed `.avsc` JSON. */
  readonly schema: Record<string, unknown>;
  /** Absolute path of the `.avsc` file. */
  readonly file: string;
};

/** The schemas/ folder of this repository. */
export const schemasRoot = fileURLToPath(new URL('..', import.meta.url));

// folders of schemas/ that hold no context's schemas
const notContexts = new Set(['src', 'released', 'node_modules']);

/**
 * Reads every `<root>/<context>/<EventName>.avsc`, sorted by context and type. Throws when a file is not
 * JSON or breaks the layout rule (record `waggle.<context>.<EventName>`), so a misplaced schema fails loudly.
 */
export const loadSchemas = (root: string = schemasRoot): SchemaFile[] => {
  const contexts = readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !notContexts.has(entry.name) && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort();
  return contexts.flatMap((context) =>
    readdirSync(join(root, context))
      .filter((name) => name.endsWith('.avsc'))
      .sort()
      .map((name) => readSchemaFile(context, join(root, context, name))),
  );
};

const readSchemaFile = (context: string, file: string): SchemaFile => {
  const type = basename(file, '.avsc');
  let schema: unknown;
  try {
    schema = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) throw new Error(`${file}: expected an Avro record schema`);
  const record = schema as Record<string, unknown>;
  const namespace = `waggle.${context}`;
  if (record.type !== 'record' || record.name !== type || record.namespace !== namespace) {
    throw new Error(
      `${file}: expected {"type": "record", "name": "${type}", "namespace": "${namespace}"} (one namespace per context, record name = file name)`,
    );
  }
  return { context, type, fullName: `${namespace}.${type}`, schema: record, file };
};
