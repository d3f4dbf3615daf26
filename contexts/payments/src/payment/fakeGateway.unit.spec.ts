import { describe, expect, it } from 'vitest';
import { decideAuthorization } from './fakeGateway.ts';

const request = { bookingId: 'b-1', customerId: 'c-1', amountCents: 45_000, currency: 'EUR', paymentToken: 'tok_visa' };
const rules = { customerLimitCents: 100_000 };

describe("the fake gateway's rules", () => {
  it('approves tok_visa, tok_mastercard and tok_amex up to the customer limit', () => {
    for (const paymentToken of ['tok_visa', 'tok_mastercard', 'tok_amex'])
      expect(decideAuthorization({ ...request, paymentToken }, rules)).toEqual({ approved: true });
    expect(decideAuthorization({ ...request, amountCents: 100_000 }, rules)).toEqual({ approved: true });
  });

  it('declines tok_decline and tok_insufficient, whatever the amount', () => {
    expect(decideAuthorization({ ...request, paymentToken: 'tok_decline' }, rules)).toEqual({ approved: false, rule: 'card declined' });
    expect(decideAuthorization({ ...request, paymentToken: 'tok_insufficient', amountCents: 1 }, rules)).toEqual({
      approved: false,
      rule: 'insufficient funds',
    });
  });

  it('declines an amount over the customer limit, and a token it does not know', () => {
    expect(decideAuthorization({ ...request, amountCents: 100_001 }, rules)).toEqual({
      approved: false,
      rule: 'amount over customer limit',
    });
    expect(decideAuthorization({ ...request, paymentToken: 'tok_unknown' }, rules)).toEqual({
      approved: false,
      rule: 'unknown card token',
    });
  });
});
