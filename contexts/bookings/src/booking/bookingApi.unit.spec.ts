import type { AddressInfo, Server } from 'node:net';
import { createInMemoryEventStore, type EventStore } from '@waggle/event-store';
import { createHttpApp } from '@waggle/http';
import { createLogger } from '@waggle/observability';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bookingRoutes } from './bookingApi.ts';

let store: EventStore;
let server: Server;
let base: string;

beforeAll(async () => {
  store = createInMemoryEventStore();
  const app = createHttpApp({
    logger: createLogger({ service: 'bookings-test', level: 'silent' }),
    info: { title: 'bookings', version: '1' },
    routes: bookingRoutes({ store }),
    ready: () => Promise.resolve(),
  });
  server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/bookings`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const requestBooking = async (): Promise<string> => {
  const response = await fetch(base, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ customerId: 'ada', flightId: 'LH400-2026-12-01', passengers: [{ firstName: 'Ada', lastName: 'Lovelace' }] }),
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { bookingId: string }).bookingId;
};
const cancelled = async (bookingId: string) => (await store.readStream(bookingId)).events.at(-1)?.data;

describe('POST /api/v1/bookings/{id}/cancel', () => {
  describe('given a requested booking', () => {
    it('cancels it with the default reason when there is no body at all', async () => {
      const bookingId = await requestBooking();
      const response = await fetch(`${base}/${bookingId}/cancel`, { method: 'POST' });
      expect(response.status, await response.clone().text()).toBe(202);
      expect(await cancelled(bookingId)).toMatchObject({ reason: 'cancelled by customer' });
    });

    it('cancels it with the reason given in a JSON body', async () => {
      const bookingId = await requestBooking();
      const response = await fetch(`${base}/${bookingId}/cancel`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'changed plans' }),
      });
      expect(response.status).toBe(202);
      expect(await cancelled(bookingId)).toMatchObject({ reason: 'changed plans' });
    });

    it('still refuses a body that is not JSON, or has unknown fields, with 400', async () => {
      const bookingId = await requestBooking();
      const text = await fetch(`${base}/${bookingId}/cancel`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'why' });
      expect(text.status).toBe(400);
      const unknown = await fetch(`${base}/${bookingId}/cancel`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ why: 'x' }),
      });
      expect(unknown.status).toBe(400);
      expect((await store.readStream(bookingId)).version).toBe(1);
    });
  });
});
