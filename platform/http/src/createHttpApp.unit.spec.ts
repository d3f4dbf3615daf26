import { NotFoundError } from '@waggle/errors';
import { createLogger } from '@waggle/observability';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createHttpApp } from './createHttpApp.ts';
import { defineRoute } from './defineRoute.ts';
import { startHttpServer, type HttpServer } from './startHttpServer.ts';

const seen: { key?: string; traceparent: string }[] = [];
const routes = [
  defineRoute({
    method: 'post',
    path: '/api/v1/flights/:flightId/holds',
    operationId: 'holdSeats',
    summary: 'Hold seats',
    params: z.object({ flightId: z.string().min(3) }),
    body: z.object({ seats: z.number().int().min(1).max(9), passengers: z.array(z.object({ lastName: z.string().min(1) })).min(1) }),
    idempotent: true,
    responses: { 202: { description: 'accepted', schema: z.object({ streamId: z.string() }) } },
    handler: ({ params, body, idempotencyKey, traceparent }) => {
      seen.push({ ...(idempotencyKey === undefined ? {} : { key: idempotencyKey }), traceparent });
      if (params.flightId === 'nope') throw new NotFoundError(`flight ${params.flightId} does not exist`);
      return Promise.resolve({ status: 202, body: { streamId: params.flightId, seats: body.seats } });
    },
  }),
];

let server: HttpServer;
beforeAll(async () => {
  const app = createHttpApp({
    logger: createLogger({ service: 'test', level: 'silent' }),
    info: { title: 'test', version: '1' },
    routes,
    ready: () => Promise.resolve(),
  });
  server = await startHttpServer(app, { port: 0 });
});
afterAll(() => server.stop());

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

describe('an HTTP app', () => {
  describe('given a valid request', () => {
    it('runs the handler with the validated input, the Idempotency-Key and a child traceparent', async () => {
      const response = await post('/api/v1/flights/LH400/holds', JSON.stringify({ seats: 2, passengers: [{ lastName: 'Meyer' }] }), {
        'Idempotency-Key': 'k-1',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      });
      expect(response.status).toBe(202);
      expect(await response.json()).toEqual({ streamId: 'LH400', seats: 2 });
      expect(seen.at(-1)?.key).toBe('k-1');
      expect(seen.at(-1)?.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    });
  });

  describe('given bad input', () => {
    it('answers 400 problem details naming each invalid field', async () => {
      const response = await post('/api/v1/flights/LH400/holds', JSON.stringify({ seats: 0, passengers: [{ lastName: '' }] }));
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const problem = (await response.json()) as { status: number; errors: { path: string }[]; instance: string };
      expect(problem.status).toBe(400);
      expect(problem.instance).toBe('/api/v1/flights/LH400/holds');
      expect(problem.errors.map((e) => e.path)).toEqual(['/body/seats', '/body/passengers/0/lastName']);
    });

    it('answers 400 for malformed JSON, a wrong content type and a bad Idempotency-Key', async () => {
      expect((await post('/api/v1/flights/LH400/holds', '{"seats":')).status).toBe(400);
      expect((await post('/api/v1/flights/LH400/holds', 'seats=1', { 'content-type': 'text/plain' })).status).toBe(400);
      expect(
        (
          await post('/api/v1/flights/LH400/holds', JSON.stringify({ seats: 1, passengers: [{ lastName: 'x' }] }), {
            'Idempotency-Key': 'ä',
          })
        ).status,
      ).toBe(400);
    });

    it('maps a NotFoundError to 404 and an unknown route to 404', async () => {
      expect((await post('/api/v1/flights/nope/holds', JSON.stringify({ seats: 1, passengers: [{ lastName: 'x' }] }))).status).toBe(404);
      expect((await fetch(`${server.url}/api/v1/nothing`)).status).toBe(404);
    });
  });

  it('serves health and an OpenAPI 3.1 document of its routes', async () => {
    expect((await fetch(`${server.url}/health/live`)).status).toBe(200);
    expect((await fetch(`${server.url}/health/ready`)).status).toBe(200);
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, Record<string, { parameters: { name: string }[] }>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/api/v1/flights/{flightId}/holds']?.['post']?.parameters.map((p) => p.name)).toEqual(['flightId', 'Idempotency-Key']);
  });
});
