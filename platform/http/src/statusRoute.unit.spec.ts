import { createLogger } from '@waggle/observability';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp } from './createHttpApp.ts';
import { startHttpServer, type HttpServer } from './startHttpServer.ts';
import { consumerStatus, serviceStatusSchema, statusRoute } from './statusRoute.ts';

let server: HttpServer;
let broker: 'answers' | 'fails' | 'hangs' = 'answers';
beforeAll(async () => {
  const lag = () =>
    broker === 'answers'
      ? Promise.resolve([{ topic: 'bookings.events', partition: 0, committed: '7', high: '9', lag: 2 }])
      : broker === 'fails'
        ? Promise.reject(new Error('Connection timeout'))
        : new Promise<never>(() => {});
  const app = createHttpApp({
    logger: createLogger({ service: 'test', level: 'silent' }),
    info: { title: 'test', version: '1' },
    routes: [
      statusRoute(async () => ({
        service: 'bookings',
        outbox: {
          instance: 'host-a:41:1f2e3d',
          lanes: [{ lane: 0, state: 'relaying', holder: 'host-a:41:1f2e3d', epoch: 3, cursor: 12, head: 14, backlog: 2, published: 12 }],
        },
        consumers: [await consumerStatus('bookings.events.reactions', lag, 200)],
      })),
    ],
    ready: () => Promise.resolve(),
  });
  server = await startHttpServer(app, { port: 0 });
});
afterAll(() => server.stop());

describe('GET /status', () => {
  it('answers the collected status, valid by its published schema, and documents itself in OpenAPI', async () => {
    broker = 'answers';
    const response = await fetch(`${server.url}/status`);
    expect(response.status).toBe(200);
    const body: unknown = await response.json();
    expect(serviceStatusSchema.parse(body)).toEqual({
      service: 'bookings',
      outbox: {
        instance: 'host-a:41:1f2e3d',
        lanes: [{ lane: 0, state: 'relaying', holder: 'host-a:41:1f2e3d', epoch: 3, cursor: 12, head: 14, backlog: 2, published: 12 }],
      },
      consumers: [
        { group: 'bookings.events.reactions', partitions: [{ topic: 'bookings.events', partition: 0, committed: '7', high: '9', lag: 2 }] },
      ],
    });
    const openApi = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, { get?: { operationId?: string } }>;
    };
    expect(openApi.paths['/status']?.get?.operationId).toBe('getStatus');
  });

  it('still answers 200 when the broker does not, naming the error per consumer group', async () => {
    broker = 'fails';
    const response = await fetch(`${server.url}/status`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { consumers: unknown[] }).consumers).toEqual([
      { group: 'bookings.events.reactions', partitions: [], error: 'Connection timeout' },
    ]);
  });

  it('answers within its timeout when the broker hangs, naming the timeout', async () => {
    broker = 'hangs';
    const response = await fetch(`${server.url}/status`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { consumers: unknown[] }).consumers).toEqual([
      { group: 'bookings.events.reactions', partitions: [], error: 'the broker did not answer within 200 ms' },
    ]);
  });
});
