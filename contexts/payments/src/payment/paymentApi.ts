import { NotFoundError } from '@waggle/errors';
import type { ServiceDeps } from '@waggle/event-sourced-service';
import { defineRoute, type Route } from '@waggle/http';
import type { PaymentsEvent } from '@waggle/schemas';
import { z } from 'zod';
import type { FakeGateway } from './fakeGateway.ts';
import { paymentDecider } from './payment.ts';

const historyEntry = z.object({
  version: z.number().int().describe('Version of the event in the booking’s payment stream'),
  type: z.enum(['PaymentAuthorized', 'PaymentDeclined', 'PaymentCaptured', 'PaymentRefunded']),
  occurredAt: z.string(),
  amountCents: z.number().int(),
  currency: z.string(),
  reason: z.string().nullable().describe('Why it was declined or refunded'),
  voided: z.boolean().nullable().describe('For PaymentRefunded: true when an authorization was released before capture'),
});

const paymentViewSchema = z
  .object({
    bookingId: z.string(),
    paymentId: z.string(),
    status: z.enum(['authorized', 'declined', 'captured', 'voided', 'refunded']),
    customerId: z.string(),
    amountCents: z.number().int(),
    currency: z.string(),
    declinedBy: z.string().nullable().describe('The gateway rule that declined it'),
    version: z.number().int(),
    history: z.array(historyEntry),
  })
  .meta({ id: 'Payment' });

const gatewaySchema = z
  .object({
    outage: z.boolean().describe('While true every gateway call fails: tasks answer FAILED, "payment gateway unavailable"'),
    latencyMs: z.number().int().describe('PAYMENTS_GATEWAY_LATENCY_MS: how long each gateway call takes'),
    customerLimitCents: z.number().int().describe('PAYMENTS_CUSTOMER_LIMIT_CENTS: the most one payment of a customer may be'),
    updatedAt: z.string().nullable().describe('When the outage switch last moved'),
  })
  .meta({ id: 'Gateway' });

type PaymentView = z.infer<typeof paymentViewSchema>;

const toView = (
  bookingId: string,
  events: readonly { version: number; type: string; data: unknown; metadata: { occurredAt: string } }[],
) => {
  const typed = events.map((event) => ({
    version: event.version,
    occurredAt: event.metadata.occurredAt,
    event: event as unknown as PaymentsEvent,
  }));
  const payment = typed.reduce((state, { event }) => paymentDecider.evolve(state, event), paymentDecider.initialState());
  if (payment.status === 'none') return undefined;
  const view: PaymentView = {
    bookingId,
    paymentId: payment.paymentId,
    status: payment.status,
    customerId: payment.customerId,
    amountCents: payment.amountCents,
    currency: payment.currency,
    declinedBy: payment.declinedBy,
    version: events.at(-1)?.version ?? 0,
    history: typed.map(({ version, occurredAt, event }) => ({
      version,
      type: event.type,
      occurredAt,
      amountCents: event.data.amountCents,
      currency: event.data.currency,
      reason: 'reason' in event.data ? event.data.reason : null,
      voided: event.type === 'PaymentRefunded' ? (event.data.voided ?? false) : null,
    })),
  };
  return view;
};

/** The payments API: a booking's payment as its stream says, and the fake gateway's outage switch. */
export const paymentRoutes = (deps: Pick<ServiceDeps, 'store'>, gateway: FakeGateway): Route[] => [
  defineRoute({
    method: 'get',
    path: '/api/v1/payments/:bookingId',
    operationId: 'getPayment',
    summary: "A booking's payment: its state and every event of its stream",
    params: z.object({ bookingId: z.string().min(1).max(200) }),
    responses: { 200: { description: 'The payment', schema: paymentViewSchema } },
    handler: async (request) => {
      const { bookingId } = request.params;
      const view = toView(bookingId, (await deps.store.readStream(bookingId)).events);
      if (view === undefined) throw new NotFoundError(`booking ${bookingId} has no payment`);
      return { status: 200, body: view };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/gateway',
    operationId: 'getGateway',
    summary: "The fake gateway's settings and outage switch",
    responses: { 200: { description: 'The gateway', schema: gatewaySchema } },
    handler: async () => ({ status: 200, body: await gateway.state() }),
  }),
  defineRoute({
    method: 'put',
    path: '/api/v1/gateway',
    operationId: 'switchGatewayOutage',
    summary: 'Switch a gateway outage on or off, for every instance of the service (fault tests)',
    body: z.object({ outage: z.boolean() }).strict(),
    responses: { 200: { description: 'The gateway after the switch', schema: gatewaySchema } },
    handler: async (request) => ({ status: 200, body: await gateway.switchOutage(request.body.outage) }),
  }),
];
