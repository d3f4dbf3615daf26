import { randomUUID } from 'node:crypto';
import type { NewEvent } from '@waggle/event-store';

/** The event the relay benchmarks publish: a booking's seat hold, 374 bytes on the wire with key and headers. */
export const schema = {
  fullName: 'waggle.bench.SeatsHeld',
  schema: {
    type: 'record',
    name: 'SeatsHeld',
    namespace: 'waggle.bench',
    fields: [
      { name: 'flightId', type: 'string' },
      { name: 'bookingId', type: 'string' },
      { name: 'seats', type: 'int' },
      { name: 'holdId', type: 'string' },
      { name: 'expiresAt', type: 'string' },
    ],
  },
};

export const newEvent = (i: number): NewEvent => ({
  type: 'SeatsHeld',
  data: { flightId: 'LH400-2026-12-01', bookingId: `booking-${i}`, seats: 2, holdId: `hold-${i}`, expiresAt: '2026-12-01T10:15:00.000Z' },
  metadata: { eventId: randomUUID(), correlationId: randomUUID(), causationId: randomUUID(), occurredAt: new Date().toISOString() },
});
