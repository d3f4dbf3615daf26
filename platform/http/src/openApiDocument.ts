import { z } from 'zod';
import type { Route } from './defineRoute.ts';
import { problemSchema } from './problemDetails.ts';

const toSchema = (schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> => {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete json['$schema'];
  return json;
};

const parametersOf = (schema: z.ZodType | undefined, where: 'query' | 'path'): Record<string, unknown>[] => {
  if (!schema) return [];
  const json = toSchema(schema, 'input') as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    ...(typeof property['description'] === 'string' ? { description: property['description'] } : {}),
    schema: property,
  }));
};

/** The OpenAPI 3.1 document of a service, built from its routes' zod schemas (JSON Schema 2020-12). */
export const openApiDocument = (info: { title: string; version: string; description?: string }, routes: readonly Route[]) => {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const idempotencyHeader = route.idempotent
      ? [
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            description: 'Repeating a request with the same key has the effect of the first one only.',
            schema: { type: 'string', minLength: 1, maxLength: 255 },
          },
        ]
      : [];
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(route.responses)) {
      responses[status] = {
        description: response.description,
        ...(response.schema ? { content: { 'application/json': { schema: toSchema(response.schema, 'output') } } } : {}),
      };
    }
    responses['default'] = {
      description: 'An error',
      content: { 'application/problem+json': { schema: toSchema(problemSchema, 'output') } },
    };
    paths[path] = {
      ...paths[path],
      [route.method]: {
        operationId: route.operationId,
        summary: route.summary,
        parameters: [
          ...parametersOf(route.params, 'path'),
          ...parametersOf(route.query, 'query'),
          ...(route.headers ?? []).map((header) => ({ ...header, in: 'header', required: false, schema: { type: 'string' } })),
          ...idempotencyHeader,
        ],
        ...(route.body
          ? {
              requestBody: {
                required: !route.body.safeParse(undefined).success,
                content: { 'application/json': { schema: toSchema(route.body, 'input') } },
              },
            }
          : {}),
        responses,
      },
    };
  }
  return { openapi: '3.1.0', info, paths };
};
