import { RuleViolationError } from '@waggle/errors';
import type { PaymentsEvent } from '@waggle/schemas';
import { given } from '@waggle/testing';
import { describe, expect, it } from 'vitest';
import { paymentDecider, type PaymentCommand } from './payment.ts';

const bookingId = 'b-1';
const paymentId = 'pay-b-1';
const money = { amountCents: 45_000, currency: 'EUR' };
const authorize = (decision: Extract<PaymentCommand, { type: 'AuthorizePayment' }>['decision']): PaymentCommand => ({
  type: 'AuthorizePayment',
  bookingId,
  customerId: 'c-1',
  ...money,
  decision,
});
const authorized: PaymentsEvent = { type: 'PaymentAuthorized', data: { paymentId, bookingId, customerId: 'c-1', ...money } };
const declined: PaymentsEvent = {
  type: 'PaymentDeclined',
  data: { paymentId, bookingId, customerId: 'c-1', ...money, reason: 'card declined' },
};
const captured: PaymentsEvent = { type: 'PaymentCaptured', data: { paymentId, bookingId, ...money } };
const voided: PaymentsEvent = {
  type: 'PaymentRefunded',
  data: { paymentId, bookingId, ...money, reason: 'saga compensation', voided: true },
};
const refunded: PaymentsEvent = {
  type: 'PaymentRefunded',
  data: { paymentId, bookingId, ...money, reason: 'booking cancelled', voided: false },
};
const capture: PaymentCommand = { type: 'CapturePayment', bookingId };
const voidIt: PaymentCommand = { type: 'VoidPayment', bookingId, reason: 'saga compensation' };
const refund: PaymentCommand = { type: 'RefundPayment', bookingId, reason: 'booking cancelled' };

describe('a payment', () => {
  describe('given none for the booking', () => {
    it('records an approved authorization as PaymentAuthorized, with the customer', () => {
      expect(given(paymentDecider, []).when(authorize({ approved: true }))).toEqual([authorized]);
    });

    it('records a declined one as the event PaymentDeclined with the rule, not as an error', () => {
      expect(given(paymentDecider, []).when(authorize({ approved: false, rule: 'card declined' }))).toEqual([declined]);
    });

    it('refuses to capture, and has nothing to void or refund', () => {
      expect(() => given(paymentDecider, []).when(capture)).toThrow(RuleViolationError);
      expect(given(paymentDecider, []).when(voidIt)).toEqual([]);
      expect(given(paymentDecider, []).when(refund)).toEqual([]);
    });

    it('refuses an authorization without the gateway’s decision', () => {
      expect(() => given(paymentDecider, []).when(authorize(null))).toThrow(/no gateway decision/);
    });
  });

  describe('given it was authorized', () => {
    it('authorizes nothing more: another authorization of the booking is answered by the first', () => {
      expect(given(paymentDecider, [authorized]).when(authorize({ approved: true }))).toEqual([]);
      expect(given(paymentDecider, [authorized]).when(authorize({ approved: false, rule: 'card declined' }))).toEqual([]);
      expect(given(paymentDecider, [authorized]).when(authorize(null))).toEqual([]);
    });

    it('captures the authorized amount', () => {
      expect(given(paymentDecider, [authorized]).when(capture)).toEqual([captured]);
    });

    it('voids it, and a refund of an authorization voids it too', () => {
      expect(given(paymentDecider, [authorized]).when(voidIt)).toEqual([voided]);
      expect(given(paymentDecider, [authorized]).when(refund)).toEqual([
        { ...voided, data: { ...voided.data, reason: 'booking cancelled' } },
      ]);
    });
  });

  describe('given it was declined', () => {
    it('keeps the rule in its state, and refuses a capture', () => {
      expect(given(paymentDecider, [declined]).state()).toMatchObject({ status: 'declined', declinedBy: 'card declined' });
      expect(() => given(paymentDecider, [declined]).when(capture)).toThrow(/declined: nothing to capture/);
    });

    it('is not authorized by a later attempt', () => {
      expect(given(paymentDecider, [declined]).when(authorize({ approved: true }))).toEqual([]);
    });
  });

  describe('given it was captured', () => {
    it('captures once', () => {
      expect(given(paymentDecider, [authorized, captured]).when(capture)).toEqual([]);
    });

    it('is refunded once, and cannot be voided', () => {
      expect(given(paymentDecider, [authorized, captured]).when(refund)).toEqual([refunded]);
      expect(given(paymentDecider, [authorized, captured, refunded]).when(refund)).toEqual([]);
      expect(given(paymentDecider, [authorized, captured]).when(voidIt)).toEqual([]);
    });
  });

  describe('given it was voided', () => {
    it('voids and refunds nothing more, and refuses a capture', () => {
      expect(given(paymentDecider, [authorized, voided]).when(voidIt)).toEqual([]);
      expect(given(paymentDecider, [authorized, voided]).when(refund)).toEqual([]);
      expect(() => given(paymentDecider, [authorized, voided]).when(capture)).toThrow(/voided: nothing to capture/);
    });
  });
});
