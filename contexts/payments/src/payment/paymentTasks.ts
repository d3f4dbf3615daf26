import type { ServiceDeps } from '@waggle/event-sourced-service';
import type { CommandResult, EventStore } from '@waggle/event-store';
import { commandRunner, invalidTaskInput, type TaskHandler, type TaskOutcome } from '@waggle/task-worker';
import type { PaymentsEvent } from '@waggle/schemas';
import { z } from 'zod';
import { defaultPaymentToken, type FakeGateway } from './fakeGateway.ts';
import { paymentDecider, type Payment } from './payment.ts';

const bookingId = z.string().min(1).max(200);
const authorizeInput = z.object({
  bookingId,
  customerId: z.string().min(1).max(200),
  amountCents: z.number().int().min(1).max(100_000_000),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code'),
  // null or absent: the default token (a booking requested without one)
  paymentToken: z.string().max(100).nullish(),
});
const bookingInput = z.object({ bookingId, reason: z.string().max(500).optional() });

/** The reason a task answers FAILED (retried by the coordinator under its task def) while the gateway is down. */
export const gatewayUnavailable = 'payment gateway unavailable';

/** A booking's payment as its stream says: the state a command will be decided on. */
export const readPayment = async (store: EventStore, streamId: string): Promise<Payment> =>
  (await store.readStream(streamId)).events.reduce(
    (payment, event) => paymentDecider.evolve(payment, event as unknown as PaymentsEvent),
    paymentDecider.initialState(),
  );

/** Whether this command (or its first handling, for a redelivered task) appended an event of that kind. */
const appendedRefund = (result: CommandResult<Payment>, voided: boolean): boolean =>
  result.events.some((event) => event.type === 'PaymentRefunded' && event.data['voided'] === voided);

const authorizedOutcome = (result: CommandResult<Payment>): TaskOutcome => {
  const payment = result.state;
  switch (payment.status) {
    case 'none':
      return { status: 'FAILED', reasonForIncompletion: `booking ${result.streamId}: the authorization was not recorded` };
    case 'declined': {
      // the decline is an event others react to; the task fails for good, since asking again gets the same answer
      const reason = payment.declinedBy ?? 'declined';
      return {
        status: 'FAILED_WITH_TERMINAL_ERROR',
        reasonForIncompletion: `payment declined: ${reason}`,
        outputData: { status: 'DECLINED', reason },
      };
    }
    case 'voided':
    case 'refunded':
      return {
        status: 'FAILED_WITH_TERMINAL_ERROR',
        reasonForIncompletion: `payment for booking ${result.streamId} was already ${payment.status}`,
      };
    case 'authorized':
    case 'captured':
      return { status: 'COMPLETED', outputData: { paymentId: payment.paymentId, status: 'AUTHORIZED' } };
  }
};

/**
 * The payments task types of the book-flight and cancel-booking sagas. Each runs its effect through handleCommand
 * (`commandTask`) with the task attempt's command id, on the booking's payment stream: a redelivered task has one
 * effect and is answered from it. The gateway is asked only when there is something to do, so a repeat of a decided
 * operation answers during an outage too; while the gateway is down the task answers FAILED, which the coordinator
 * retries with backoff.
 */
export const paymentTasks = (deps: Pick<ServiceDeps, 'store'>, gateway: FakeGateway): TaskHandler[] => {
  const run = commandRunner({ store: deps.store, decider: paymentDecider });

  /** Settles with the gateway when the payment is in one of `when`, else decides without it (nothing to do). */
  const settled = async (operation: 'capture' | 'void' | 'refund', id: string, when: readonly Payment['status'][]) =>
    when.includes((await readPayment(deps.store, id)).status) ? gateway.settle(operation, id) : 'settled';

  return [
    {
      taskType: 'authorize_payment',
      execute: async (task, context) => {
        const parsed = authorizeInput.safeParse(task.input);
        if (!parsed.success) return invalidTaskInput(parsed.error);
        const input = parsed.data;
        const paymentToken = input.paymentToken ? input.paymentToken : defaultPaymentToken;
        const current = await readPayment(deps.store, input.bookingId);
        const decision = current.status === 'none' ? await gateway.authorize({ ...input, paymentToken }) : null;
        if (decision === 'unavailable') return { status: 'FAILED', reasonForIncompletion: gatewayUnavailable };
        const { bookingId: id, customerId, amountCents, currency } = input;
        return run(
          task,
          context,
          id,
          { type: 'AuthorizePayment', bookingId: id, customerId, amountCents, currency, decision },
          authorizedOutcome,
        );
      },
    },
    {
      taskType: 'capture_payment',
      execute: async (task, context) => {
        const parsed = bookingInput.safeParse(task.input);
        if (!parsed.success) return invalidTaskInput(parsed.error);
        const id = parsed.data.bookingId;
        if ((await settled('capture', id, ['authorized'])) === 'unavailable')
          return { status: 'FAILED', reasonForIncompletion: gatewayUnavailable };
        return run(task, context, id, { type: 'CapturePayment', bookingId: id }, (result) =>
          result.state.status === 'none'
            ? { status: 'FAILED_WITH_TERMINAL_ERROR', reasonForIncompletion: `booking ${id} has no payment to capture` }
            : {
                status: 'COMPLETED',
                outputData: { paymentId: result.state.paymentId, amountCents: result.state.amountCents, currency: result.state.currency },
              },
        );
      },
    },
    {
      taskType: 'void_payment',
      execute: async (task, context) => {
        const parsed = bookingInput.safeParse(task.input);
        if (!parsed.success) return invalidTaskInput(parsed.error);
        const id = parsed.data.bookingId;
        if ((await settled('void', id, ['authorized'])) === 'unavailable')
          return { status: 'FAILED', reasonForIncompletion: gatewayUnavailable };
        const reason = parsed.data.reason ?? 'authorization voided';
        return run(task, context, id, { type: 'VoidPayment', bookingId: id, reason }, (result) => ({
          status: 'COMPLETED',
          outputData: { voided: appendedRefund(result, true) },
        }));
      },
    },
    {
      taskType: 'refund_payment',
      execute: async (task, context) => {
        const parsed = bookingInput.safeParse(task.input);
        if (!parsed.success) return invalidTaskInput(parsed.error);
        const id = parsed.data.bookingId;
        if ((await settled('refund', id, ['authorized', 'captured'])) === 'unavailable')
          return { status: 'FAILED', reasonForIncompletion: gatewayUnavailable };
        const reason = parsed.data.reason ?? 'booking cancelled';
        return run(task, context, id, { type: 'RefundPayment', bookingId: id, reason }, (result) => {
          const payment = result.state;
          if (appendedRefund(result, false) && payment.status !== 'none')
            return { status: 'COMPLETED', outputData: { refunded: true, amountCents: payment.amountCents, currency: payment.currency } };
          return { status: 'COMPLETED', outputData: { refunded: false, voided: appendedRefund(result, true) } };
        });
      },
    },
  ];
};
