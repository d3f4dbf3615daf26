import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScriptSandbox, type ScriptSandbox } from '../engine/createScriptSandbox.ts';
import { decideEventActions, toEventPayload } from './eventActions.ts';
import type { EventHandler } from './eventHandler.ts';

let scripts: ScriptSandbox;
beforeAll(async () => {
  scripts = await createScriptSandbox();
});
afterAll(async () => {
  await scripts.close();
});

const payload = toEventPayload(
  {
    id: 'evt-1',
    type: 'waggle.bookings.BookingRequested',
    source: '/waggle/bookings',
    time: '2027-01-01T10:00:00.000Z',
    subject: 'bkg-1',
    correlationId: 'corr-1',
    causationId: 'corr-1',
  },
  { bookingId: 'bkg-1', seats: 2, paymentToken: 'tok_visa' },
  { topic: 'bookings.events', partition: 1, offset: '42' },
);
const handler = (overrides: Partial<EventHandler> = {}): EventHandler => ({
  name: 'on-request',
  event: 'kafka:bookings.events',
  condition: "$.type == 'waggle.bookings.BookingRequested'",
  actions: [
    {
      action: 'start_workflow',
      start_workflow: {
        name: 'book-flight',
        correlationId: '${data.bookingId}',
        idempotencyKey: '${data.bookingId}',
        input: { id: '${data.bookingId}', seats: '${data.seats}' },
      },
    },
  ],
  ...overrides,
});

describe('given an event handler and an event of its topic', () => {
  it('starts its workflow with the input mapped from the payload, keyed by the business key, typed values kept', () => {
    expect(decideEventActions(handler(), payload, scripts)).toEqual({
      matched: true,
      starts: [
        {
          name: 'book-flight',
          correlationId: 'bkg-1',
          input: { id: 'bkg-1', seats: 2, 'conductor.event.messageId': 'evt-1', 'conductor.event.name': 'kafka:bookings.events' },
          idempotencyKey: 'bkg-1',
          idempotencyStrategy: 'RETURN_EXISTING',
        },
      ],
    });
  });

  it('keys a start without an idempotency key by the event id, so a redelivery starts nothing new', () => {
    const action = { action: 'start_workflow', start_workflow: { name: 'book-flight' } };
    const decision = decideEventActions(handler({ actions: [action] }), payload, scripts);
    expect(decision).toMatchObject({ starts: [{ idempotencyKey: 'event:on-request:evt-1', idempotencyStrategy: 'RETURN_EXISTING' }] });
  });

  it("does nothing when the condition is false, is not a boolean (Conductor's toBoolean), throws, or the handler is inactive", () => {
    expect(decideEventActions(handler({ condition: "$.type == 'other'" }), payload, scripts)).toEqual({
      matched: false,
      reason: 'condition is false',
    });
    expect(decideEventActions(handler({ condition: "'true'" }), payload, scripts)).toMatchObject({ matched: false });
    expect(decideEventActions(handler({ condition: '$.data.seats' }), payload, scripts)).toMatchObject({ matched: true });
    expect(decideEventActions(handler({ condition: '$.nope.deeper' }), payload, scripts)).toMatchObject({ matched: false });
    expect(decideEventActions(handler({ active: false }), payload, scripts)).toEqual({ matched: false, reason: 'inactive' });
  });
});
