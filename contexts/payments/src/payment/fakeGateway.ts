import { setTimeout as delay } from 'node:timers/promises';
import type { Db } from 'mongodb';
import type { GatewayDecision } from './payment.ts';

/** Demo card tokens: these approve; every other token is declined (`unknown card token`). */
export const approvingTokens = ['tok_visa', 'tok_mastercard', 'tok_amex'] as const;

/** Demo card tokens that are always declined, with the rule they break. */
export const decliningTokens: Readonly<Record<string, string>> = {
  tok_decline: 'card declined',
  tok_insufficient: 'insufficient funds',
};

/** The token of a request that names none. */
export const defaultPaymentToken = 'tok_visa';

export type AuthorizationRequest = {
  readonly bookingId: string;
  readonly customerId: string;
  readonly amountCents: number;
  readonly currency: string;
  readonly paymentToken: string;
};

/**
 * The gateway's rules, pure and deterministic: a declining token first, then the amount a customer's card allows
 * per payment, then an unknown token.
 */
export const decideAuthorization = (request: AuthorizationRequest, rules: { readonly customerLimitCents: number }): GatewayDecision => {
  const declinedBy = decliningTokens[request.paymentToken];
  if (declinedBy !== undefined) return { approved: false, rule: declinedBy };
  if (request.amountCents > rules.customerLimitCents) return { approved: false, rule: 'amount over customer limit' };
  if (!(approvingTokens as readonly string[]).includes(request.paymentToken)) return { approved: false, rule: 'unknown card token' };
  return { approved: true };
};

/** The gateway's run-time state, shared by every instance of the service (it is kept in the payments database). */
export type GatewayState = {
  readonly outage: boolean;
  readonly latencyMs: number;
  readonly customerLimitCents: number;
  /** When the outage switch last moved; null if it never did. */
  readonly updatedAt: string | null;
};

export type FakeGateway = {
  /** Asks for an authorization; `unavailable` during an outage. */
  readonly authorize: (request: AuthorizationRequest) => Promise<GatewayDecision | 'unavailable'>;
  /** A capture, void or refund: the fake gateway always settles it, unless it is down. */
  readonly settle: (operation: 'capture' | 'void' | 'refund', bookingId: string) => Promise<'settled' | 'unavailable'>;
  readonly state: () => Promise<GatewayState>;
  readonly switchOutage: (outage: boolean, now?: Date) => Promise<GatewayState>;
};

type SwitchDoc = { _id: string; outage: boolean; updatedAt: string };

/**
 * A deterministic fake payment gateway. Its answers follow `decideAuthorization`; every call waits `latencyMs`
 * first (a slow gateway for timeout tests), then reads the outage switch, so `PUT /api/v1/gateway` on any instance
 * takes effect on the next call of every instance.
 */
export const createFakeGateway = (options: {
  readonly db: Db;
  readonly latencyMs: number;
  readonly customerLimitCents: number;
}): FakeGateway => {
  const switches = options.db.collection<SwitchDoc>('gateway_switch');
  const read = async (): Promise<GatewayState> => {
    const doc = await switches.findOne({ _id: 'gateway' });
    return {
      outage: doc?.outage ?? false,
      latencyMs: options.latencyMs,
      customerLimitCents: options.customerLimitCents,
      updatedAt: doc?.updatedAt ?? null,
    };
  };
  const isDown = async (): Promise<boolean> => {
    if (options.latencyMs > 0) await delay(options.latencyMs);
    return (await read()).outage;
  };
  return {
    authorize: async (request) =>
      (await isDown()) ? 'unavailable' : decideAuthorization(request, { customerLimitCents: options.customerLimitCents }),
    settle: async () => ((await isDown()) ? 'unavailable' : 'settled'),
    state: read,
    switchOutage: async (outage, now = new Date()) => {
      await switches.replaceOne({ _id: 'gateway' }, { outage, updatedAt: now.toISOString() }, { upsert: true });
      return read();
    },
  };
};
