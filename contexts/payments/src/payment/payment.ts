import { RuleViolationError, ValidationError } from '@waggle/errors';
import type { PaymentsEvent } from '@waggle/schemas';

/** What the fake gateway answered to an authorization. */
export type GatewayDecision = { readonly approved: true } | { readonly approved: false; readonly rule: string };

export type PaymentStatus = 'authorized' | 'declined' | 'captured' | 'voided' | 'refunded';

/** What deciding needs to know of a booking's payment (one stream per booking); not a read model. */
export type Payment =
  | { readonly status: 'none' }
  | {
      readonly status: PaymentStatus;
      readonly paymentId: string;
      readonly customerId: string;
      readonly amountCents: number;
      readonly currency: string;
      /** The gateway's rule, for a declined payment: a later attempt is answered with it. */
      readonly declinedBy: string | null;
    };

export type PaymentCommand =
  | {
      readonly type: 'AuthorizePayment';
      readonly bookingId: string;
      readonly customerId: string;
      readonly amountCents: number;
      readonly currency: string;
      /** The gateway's answer; null when it was not asked because the payment was already decided. */
      readonly decision: GatewayDecision | null;
    }
  | { readonly type: 'CapturePayment'; readonly bookingId: string }
  | { readonly type: 'VoidPayment'; readonly bookingId: string; readonly reason: string }
  | { readonly type: 'RefundPayment'; readonly bookingId: string; readonly reason: string };

/** The payment id of a booking: one payment per booking, so it is derived from the booking id. */
export const paymentIdOf = (bookingId: string): string => `pay-${bookingId}`;

export const initialState = (): Payment => ({ status: 'none' });

type Decided = Exclude<Payment, { status: 'none' }>;

const released = (payment: Decided, bookingId: string, voided: boolean, reason: string): PaymentsEvent => ({
  type: 'PaymentRefunded',
  data: {
    paymentId: payment.paymentId,
    bookingId,
    amountCents: payment.amountCents,
    currency: payment.currency,
    reason,
    voided,
  },
});

const capture = (bookingId: string, payment: Payment): PaymentsEvent[] => {
  switch (payment.status) {
    case 'none':
      throw new RuleViolationError(`booking ${bookingId} has no payment to capture`);
    case 'declined':
    case 'voided':
      throw new RuleViolationError(`payment for booking ${bookingId} is ${payment.status}: nothing to capture`);
    case 'authorized': {
      const { paymentId, amountCents, currency } = payment;
      return [{ type: 'PaymentCaptured', data: { paymentId, bookingId, amountCents, currency } }];
    }
    case 'captured':
    case 'refunded':
      return [];
  }
};

export const decide = (command: PaymentCommand, payment: Payment): PaymentsEvent[] => {
  switch (command.type) {
    case 'AuthorizePayment': {
      // one authorization per booking: a second one (another attempt, a redelivery) is answered from the first
      if (payment.status !== 'none') return [];
      if (command.decision === null) throw new ValidationError(`payment for booking ${command.bookingId}: no gateway decision to record`);
      const { bookingId, customerId, amountCents, currency } = command;
      const paymentId = paymentIdOf(bookingId);
      return command.decision.approved
        ? [{ type: 'PaymentAuthorized', data: { paymentId, bookingId, amountCents, currency, customerId } }]
        : [{ type: 'PaymentDeclined', data: { paymentId, bookingId, amountCents, currency, customerId, reason: command.decision.rule } }];
    }
    case 'CapturePayment':
      return capture(command.bookingId, payment);
    case 'VoidPayment':
      // only an authorization can be voided; a captured payment is given back by a refund
      return payment.status === 'authorized' ? [released(payment, command.bookingId, true, command.reason)] : [];
    case 'RefundPayment':
      if (payment.status === 'captured') return [released(payment, command.bookingId, false, command.reason)];
      if (payment.status === 'authorized') return [released(payment, command.bookingId, true, command.reason)];
      return [];
  }
};

export const evolve = (payment: Payment, event: PaymentsEvent): Payment => {
  switch (event.type) {
    case 'PaymentAuthorized':
    case 'PaymentDeclined': {
      const { paymentId, customerId, amountCents, currency } = event.data;
      const declinedBy = event.type === 'PaymentDeclined' ? event.data.reason : null;
      return {
        status: declinedBy === null ? 'authorized' : 'declined',
        paymentId,
        customerId: customerId ?? '',
        amountCents,
        currency,
        declinedBy,
      };
    }
    case 'PaymentCaptured':
      return payment.status === 'none' ? payment : { ...payment, status: 'captured', amountCents: event.data.amountCents };
    case 'PaymentRefunded':
      return payment.status === 'none' ? payment : { ...payment, status: event.data.voided ? 'voided' : 'refunded' };
  }
};

/** The payment decider: stream id = booking id, so every operation is idempotent per booking. */
export const paymentDecider = { initialState, decide, evolve, stateVersion: 1 };
