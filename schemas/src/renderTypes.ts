import type { SchemaFile } from './loadSchemas.ts';

type Json = Record<string, unknown>;

const primitives: Readonly<Record<string, string>> = {
  null: 'null',
  boolean: 'boolean',
  int: 'number',
  long: 'number',
  float: 'number',
  double: 'number',
  bytes: 'Buffer',
  string: 'string',
};

/** `bookings` → `Bookings`: the prefix of a context's union type and maps. */
export const toPascalCase = (context: string): string =>
  context
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');

const toCamelCase = (context: string): string => {
  const pascal = toPascalCase(context);
  return pascal.charAt(0).toLowerCase() + pascal.slice(1);
};

const jsDoc = (doc: unknown): string => (typeof doc === 'string' && doc !== '' ? `/** ${doc.replaceAll('*/', '*\\/')} */\n` : '');

const fullNameOf = (name: string, namespace: string | undefined): string =>
  name.includes('.') || namespace === undefined || namespace === '' ? name : `${namespace}.${name}`;

/** The TypeScript module of one context and the names it exports. */
export type RenderedTypes = {
  readonly source: string;
  readonly typeNames: readonly string[];
  readonly valueNames: readonly string[];
  readonly unionName: string;
};

/**
 * Renders the TypeScript module of one context: a type per event (`{ type, data }`), a type per nested named
 * Avro type, the context's union, and maps from event type to Avro full name and to schema. Unformatted;
 * the generator runs Prettier on it.
 */
export const renderTypes = (context: string, files: readonly SchemaFile[]): RenderedTypes => {
  // full name → TypeScript name of every named Avro type met so far, so references resolve
  const named = new Map<string, string>();
  const declarations: string[] = [];
  const taken = new Set(files.map((file) => file.type));

  const declare = (fullName: string, body: string, doc: unknown): string => {
    const tsName = fullName.slice(fullName.lastIndexOf('.') + 1);
    if (taken.has(tsName)) throw new Error(`${context}: two types would be named ${tsName} in the generated code; rename one`);
    taken.add(tsName);
    named.set(fullName, tsName);
    declarations.push(`${jsDoc(doc)}export type ${tsName} = ${body};`);
    return tsName;
  };

  const recordBody = (record: Json, namespace: string | undefined): string => {
    const fields = Array.isArray(record.fields) ? (record.fields as Json[]) : [];
    // a field with a default may be left out: the writer fills it in, and events stored before it existed lack it
    const optional = (field: Json): string => ('default' in field ? '?' : '');
    return `{\n${fields.map((field) => `${jsDoc(field.doc)}readonly ${String(field.name)}${optional(field)}: ${toTs(field.type, namespace)};`).join('\n')}\n}`;
  };

  const toTs = (schema: unknown, namespace: string | undefined): string => {
    if (typeof schema === 'string') {
      const primitive = primitives[schema];
      if (primitive !== undefined) return primitive;
      const reference = named.get(fullNameOf(schema, namespace)) ?? named.get(schema);
      if (reference === undefined) throw new Error(`${context}: unknown type "${schema}"`);
      return reference;
    }
    if (Array.isArray(schema)) return schema.map((branch) => toTs(branch, namespace)).join(' | ');
    if (typeof schema !== 'object' || schema === null) throw new Error(`${context}: cannot read schema ${JSON.stringify(schema)}`);
    const json = schema as Json;
    const own = typeof json.namespace === 'string' ? json.namespace : namespace;
    switch (json.type) {
      case 'record':
      case 'error': {
        const fullName = fullNameOf(String(json.name), own);
        // reserve the name before the body so a recursive record can refer to itself
        const tsName = fullName.slice(fullName.lastIndexOf('.') + 1);
        named.set(fullName, tsName);
        const nestedNamespace = fullName.includes('.') ? fullName.slice(0, fullName.lastIndexOf('.')) : own;
        return declare(fullName, recordBody(json, nestedNamespace), json.doc);
      }
      case 'enum': {
        const symbols = Array.isArray(json.symbols) ? (json.symbols as string[]) : [];
        return declare(fullNameOf(String(json.name), own), symbols.map((s) => `'${s}'`).join(' | '), json.doc);
      }
      case 'fixed':
        return declare(fullNameOf(String(json.name), own), 'Buffer', json.doc);
      case 'array':
        return `readonly (${toTs(json.items, namespace)})[]`;
      case 'map':
        return `Readonly<Record<string, ${toTs(json.values, namespace)}>>`;
      default:
        // a primitive written as an object, possibly with a logicalType avsc reads as its underlying type
        return toTs(json.type, namespace);
    }
  };

  const events = files.map((file) => {
    const namespace = `waggle.${file.context}`;
    named.set(file.fullName, file.type);
    const data = recordBody(file.schema, namespace);
    return `${jsDoc(file.schema.doc)}export type ${file.type} = {\nreadonly type: '${file.type}';\nreadonly data: ${data};\n};`;
  });

  const prefix = toPascalCase(context);
  const constPrefix = toCamelCase(context);
  const union = files.length === 0 ? 'never' : files.map((file) => file.type).join(' | ');
  const fullNames = files.map((file) => `${file.type}: '${file.fullName}',`).join('\n');
  const schemas = files.map((file) => `${file.type}: ${JSON.stringify(file.schema)},`).join('\n');
  const source = [
    `// Generated from schemas/${context}/*.avsc by \`npm run schemas:generate\`. Do not edit by hand.`,
    ...declarations,
    ...events,
    `/** Every event of the ${context} context. */\nexport type ${prefix}Event = ${union};`,
    `/** Avro full name of each ${context} event type. */\nexport const ${constPrefix}FullNames = {\n${fullNames}\n} as const;`,
    `/** Avro schema of each ${context} event type, as in its .avsc file. */\nexport const ${constPrefix}Schemas = {\n${schemas}\n} as const;`,
    '',
  ].join('\n\n');
  const unionName = `${prefix}Event`;
  return {
    source,
    typeNames: [
      ...[...new Set(named.values())].filter((name) => !files.some((file) => file.type === name)),
      ...files.map((f) => f.type),
      unionName,
    ],
    valueNames: [`${constPrefix}FullNames`, `${constPrefix}Schemas`],
    unionName,
  };
};
