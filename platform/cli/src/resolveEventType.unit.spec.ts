import { loadSchemas } from '@waggle/schemas';
import { describe, expect, it } from 'vitest';
import { CliError } from './exitCodes.ts';
import { resolveEventType } from './resolveEventType.ts';

const schemas = loadSchemas();

const usageError = (run: () => unknown): CliError => {
  try {
    run();
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error('expected a CliError');
};

describe('--type', () => {
  it('accepts the event type or its full name', () => {
    expect(resolveEventType(schemas, 'BookingRequested', 'bookings.events').fullName).toBe('waggle.bookings.BookingRequested');
    expect(resolveEventType(schemas, 'waggle.flights.SeatsHeld', 'flights.events').type).toBe('SeatsHeld');
  });

  it('is bad usage when unknown, and the message lists what is known', () => {
    const error = usageError(() => resolveEventType(schemas, 'BookingRequestd', 'bookings.events'));
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/unknown event type "BookingRequestd".*BookingRequested/);
  });

  it("is bad usage on another context's topic, where its consumers would never look", () => {
    const error = usageError(() => resolveEventType(schemas, 'SeatsHeld', 'bookings.events'));
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/belongs on flights\.events/);
  });

  it('may go to any topic outside the context convention, such as a test topic', () => {
    expect(resolveEventType(schemas, 'SeatsHeld', 'cli-test-123').context).toBe('flights');
  });
});
