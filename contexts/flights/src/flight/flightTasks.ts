import type { ServiceDeps } from '@waggle/event-sourced-service';
import type { CommandResult } from '@waggle/event-store';
import { commandRunner, invalidTaskInput, type TaskHandler, type TaskOutcome } from '@waggle/task-worker';
import { z } from 'zod';
import { bookingHoldId, flightDecider, unavailableReason, type Flight } from './flight.ts';

const flightId = z.string().min(1).max(80);
const bookingId = z.string().min(1).max(200);
const holdInput = z.object({ flightId, bookingId, seats: z.number().int().min(1).max(9) });
const bookingSeatsInput = z.object({ flightId, bookingId, reason: z.string().min(1).max(500).optional() });

const held = (result: CommandResult<Flight>, holdId: string, seats: number): TaskOutcome => {
  const flight = result.state;
  const hold = flight.status === 'none' ? undefined : flight.holds[holdId];
  if (flight.status === 'none' || hold === undefined) {
    // the refusal is an event others react to; the task fails for good: asking again gets the same answer
    const refusal = result.events.find((event) => event.type === 'SeatsUnavailable');
    const reason = refusal === undefined ? unavailableReason(flight, seats) : String(refusal.data['reason']);
    return { status: 'FAILED_WITH_TERMINAL_ERROR', reasonForIncompletion: reason, outputData: { reason } };
  }
  return {
    status: 'COMPLETED',
    outputData: {
      holdId,
      seats: hold.seats,
      fareCents: flight.fareCents,
      amountCents: flight.fareCents * hold.seats,
      currency: flight.currency,
    },
  };
};

/**
 * The flights task types of the book-flight and cancel-booking sagas, on the flight's stream: hold a booking's seats
 * (priced at the flight's fare), sell them, give them back. Each runs through handleCommand with the attempt's
 * command id (`commandTask`), so a redelivered task has one effect and is answered from it; a hold is one per
 * booking (`hold-<bookingId>`), so a retried attempt finds it and answers the same.
 */
export const flightTasks = (deps: Pick<ServiceDeps, 'store'>): TaskHandler[] => {
  const run = commandRunner({ store: deps.store, decider: flightDecider });

  return [
    {
      taskType: 'hold_seats',
      execute: async (task, context) => {
        const parsed = holdInput.safeParse(task.input);
        if (!parsed.success) return invalidTaskInput(parsed.error);
        const { flightId: id, bookingId: booking, seats } = parsed.data;
        const holdId = bookingHoldId(booking);
        // no deadline: the saga answers every hold (sells it, or gives it back as its compensation)
        return run(task, context, id, { type: 'HoldSeats', flightId: id, bookingId: booking, holdId, seats, expiresAt: null }, (result) =>
          held(result, holdId, seats),
        );
      },
    },
    {
      taskType: 'confirm_seats',
      execute: async (task, context) => {
        const parsed = bookingSeatsInput.safeParse(task.input);
        if (!parsed.success) return invalidTaskInput(parsed.error);
        const { flightId: id, bookingId: booking } = parsed.data;
        const holdId = bookingHoldId(booking);
        return run(task, context, id, { type: 'ConfirmHold', flightId: id, holdId }, (result) => {
          const hold = result.state.status === 'none' ? undefined : result.state.holds[holdId];
          if (hold === undefined)
            return {
              status: 'FAILED_WITH_TERMINAL_ERROR',
              reasonForIncompletion: `booking ${booking} holds no seats on flight ${id} (never held, or given back)`,
            };
          return { status: 'COMPLETED', outputData: { holdId, seats: hold.seats } };
        });
      },
    },
    {
      taskType: 'release_seats',
      execute: async (task, context) => {
        const parsed = bookingSeatsInput.safeParse(task.input);
        if (!parsed.success) return invalidTaskInput(parsed.error);
        const { flightId: id, bookingId: booking } = parsed.data;
        const reason = parsed.data.reason ?? `released by ${task.workflowType ?? 'a saga'}`;
        return run(task, context, id, { type: 'ReleaseBookingHold', flightId: id, bookingId: booking, reason }, (result) => {
          const release = result.events.find((event) => event.type === 'SeatHoldReleased');
          return { status: 'COMPLETED', outputData: { released: release !== undefined, seats: release?.data['seats'] ?? 0 } };
        });
      },
    },
  ];
};
