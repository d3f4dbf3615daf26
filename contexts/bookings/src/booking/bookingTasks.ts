import type { ServiceDeps } from '@waggle/event-sourced-service';
import { commandRunner, invalidTaskInput, type TaskHandler, type TaskOutcome } from '@waggle/task-worker';
import { z } from 'zod';
import { bookingDecider } from './booking.ts';

const bookingId = z.string().min(1).max(200);
const confirmInput = z.object({ bookingId, holdId: z.string().min(1).max(200) });
const closeInput = z.object({ bookingId, reason: z.string().min(1).max(500) });

const missing = (id: string): TaskOutcome => ({
  status: 'FAILED_WITH_TERMINAL_ERROR',
  reasonForIncompletion: `booking ${id} does not exist`,
});

/**
 * The bookings task types of the book-flight and cancel-booking sagas, on the booking's stream: confirm it once its
 * seats are held and paid for, reject it with the reason the saga gives, cancel it. Each runs through handleCommand
 * with the attempt's command id (`commandTask`), so a redelivered task has one effect and is answered from it; each
 * is answered from the booking's state, so a retried attempt finds what the first one did.
 */
export const bookingTasks = (deps: Pick<ServiceDeps, 'store'>): TaskHandler[] => {
  const run = commandRunner({ store: deps.store, decider: bookingDecider });

  return [
    {
      taskType: 'confirm_booking',
      execute: async (task, context) => {
        const parsed = confirmInput.safeParse(task.input);
        if (!parsed.success) return invalidTaskInput(parsed.error);
        const { bookingId: id, holdId } = parsed.data;
        return run(task, context, id, { type: 'ConfirmBooking', bookingId: id, holdId }, ({ state }) => {
          if (state.status === 'none') return missing(id);
          // cancelled by its customer while its seats and payment were being arranged: the saga compensates
          if (state.status !== 'confirmed')
            return {
              status: 'FAILED_WITH_TERMINAL_ERROR',
              reasonForIncompletion: `booking ${id} is ${state.status} and cannot be confirmed`,
            };
          return { status: 'COMPLETED', outputData: { bookingId: id, status: state.status, seats: state.seats } };
        });
      },
    },
    {
      taskType: 'reject_booking',
      execute: async (task, context) => {
        const parsed = closeInput.safeParse(task.input);
        if (!parsed.success) return invalidTaskInput(parsed.error);
        const { bookingId: id, reason } = parsed.data;
        return run(task, context, id, { type: 'RejectBooking', bookingId: id, reason }, (result) =>
          result.state.status === 'none'
            ? missing(id)
            : {
                status: 'COMPLETED',
                outputData: {
                  bookingId: id,
                  status: result.state.status,
                  rejected: result.events.some((e) => e.type === 'BookingRejected'),
                },
              },
        );
      },
    },
    {
      taskType: 'cancel_booking',
      execute: async (task, context) => {
        const parsed = closeInput.safeParse(task.input);
        if (!parsed.success) return invalidTaskInput(parsed.error);
        const { bookingId: id, reason } = parsed.data;
        return run(task, context, id, { type: 'CancelBooking', bookingId: id, reason, byCustomer: false }, ({ state }) => {
          if (state.status === 'none') return missing(id);
          // cancelled now or before (a cancellation saga starts from BookingCancelled), or rejected already: closed
          // either way; a booking is confirmed exactly when its hold is recorded, and cancelling keeps it
          const wasConfirmed = state.holdId !== undefined;
          return { status: 'COMPLETED', outputData: { bookingId: id, flightId: state.flightId, status: state.status, wasConfirmed } };
        });
      },
    },
  ];
};
