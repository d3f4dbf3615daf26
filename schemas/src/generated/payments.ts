// Generated from schemas/payments/*.avsc by `npm run schemas:generate`. Do not edit by hand.

/** The gateway reserved the amount on the customer's card. */
export type PaymentAuthorized = {
  readonly type: 'PaymentAuthorized';
  readonly data: {
    /** Payment aggregate id. */
    readonly paymentId: string;
    /** Booking the payment is for. */
    readonly bookingId: string;
    /** Amount in the minor unit of currency. */
    readonly amountCents: number;
    /** ISO 4217 currency code. */
    readonly currency: string;
    /** Customer who pays; empty in events written before it was recorded. */
    readonly customerId?: string;
  };
};

/** The authorized amount was taken. */
export type PaymentCaptured = {
  readonly type: 'PaymentCaptured';
  readonly data: {
    /** Payment aggregate id. */
    readonly paymentId: string;
    /** Booking the payment is for. */
    readonly bookingId: string;
    /** Amount captured in the minor unit of currency. */
    readonly amountCents: number;
    /** ISO 4217 currency code. */
    readonly currency: string;
  };
};

/** The gateway refused to authorize the amount. */
export type PaymentDeclined = {
  readonly type: 'PaymentDeclined';
  readonly data: {
    /** Payment aggregate id. */
    readonly paymentId: string;
    /** Booking the payment is for. */
    readonly bookingId: string;
    /** Amount asked for in the minor unit of currency. */
    readonly amountCents: number;
    /** ISO 4217 currency code. */
    readonly currency: string;
    /** Why the gateway declined, for people. */
    readonly reason: string;
    /** Customer who pays; empty in events written before it was recorded. */
    readonly customerId?: string;
  };
};

/** A captured amount was paid back, or an authorization voided. */
export type PaymentRefunded = {
  readonly type: 'PaymentRefunded';
  readonly data: {
    /** Payment aggregate id. */
    readonly paymentId: string;
    /** Booking the payment was for. */
    readonly bookingId: string;
    /** Amount refunded in the minor unit of currency. */
    readonly amountCents: number;
    /** ISO 4217 currency code. */
    readonly currency: string;
    /** Why the money was returned, for people. */
    readonly reason: string;
    /** True when an authorization was released before capture (no money had been taken); false for a refund of a captured amount. */
    readonly voided?: boolean;
  };
};

/** Every event of the payments context. */
export type PaymentsEvent = PaymentAuthorized | PaymentCaptured | PaymentDeclined | PaymentRefunded;

/** Avro full name of each payments event type. */
export const paymentsFullNames = {
  PaymentAuthorized: 'waggle.payments.PaymentAuthorized',
  PaymentCaptured: 'waggle.payments.PaymentCaptured',
  PaymentDeclined: 'waggle.payments.PaymentDeclined',
  PaymentRefunded: 'waggle.payments.PaymentRefunded',
} as const;

/** Avro schema of each payments event type, as in its .avsc file. */
export const paymentsSchemas = {
  PaymentAuthorized: {
    type: 'record',
    name: 'PaymentAuthorized',
    namespace: 'waggle.payments',
    doc: "The gateway reserved the amount on the customer's card.",
    fields: [
      { name: 'paymentId', type: 'string', doc: 'Payment aggregate id.' },
      { name: 'bookingId', type: 'string', doc: 'Booking the payment is for.' },
      { name: 'amountCents', type: 'long', doc: 'Amount in the minor unit of currency.' },
      { name: 'currency', type: 'string', doc: 'ISO 4217 currency code.' },
      { name: 'customerId', type: 'string', default: '', doc: 'Customer who pays; empty in events written before it was recorded.' },
    ],
  },
  PaymentCaptured: {
    type: 'record',
    name: 'PaymentCaptured',
    namespace: 'waggle.payments',
    doc: 'The authorized amount was taken.',
    fields: [
      { name: 'paymentId', type: 'string', doc: 'Payment aggregate id.' },
      { name: 'bookingId', type: 'string', doc: 'Booking the payment is for.' },
      { name: 'amountCents', type: 'long', doc: 'Amount captured in the minor unit of currency.' },
      { name: 'currency', type: 'string', doc: 'ISO 4217 currency code.' },
    ],
  },
  PaymentDeclined: {
    type: 'record',
    name: 'PaymentDeclined',
    namespace: 'waggle.payments',
    doc: 'The gateway refused to authorize the amount.',
    fields: [
      { name: 'paymentId', type: 'string', doc: 'Payment aggregate id.' },
      { name: 'bookingId', type: 'string', doc: 'Booking the payment is for.' },
      { name: 'amountCents', type: 'long', doc: 'Amount asked for in the minor unit of currency.' },
      { name: 'currency', type: 'string', doc: 'ISO 4217 currency code.' },
      { name: 'reason', type: 'string', doc: 'Why the gateway declined, for people.' },
      { name: 'customerId', type: 'string', default: '', doc: 'Customer who pays; empty in events written before it was recorded.' },
    ],
  },
  PaymentRefunded: {
    type: 'record',
    name: 'PaymentRefunded',
    namespace: 'waggle.payments',
    doc: 'A captured amount was paid back, or an authorization voided.',
    fields: [
      { name: 'paymentId', type: 'string', doc: 'Payment aggregate id.' },
      { name: 'bookingId', type: 'string', doc: 'Booking the payment was for.' },
      { name: 'amountCents', type: 'long', doc: 'Amount refunded in the minor unit of currency.' },
      { name: 'currency', type: 'string', doc: 'ISO 4217 currency code.' },
      { name: 'reason', type: 'string', doc: 'Why the money was returned, for people.' },
      {
        name: 'voided',
        type: 'boolean',
        default: false,
        doc: 'True when an authorization was released before capture (no money had been taken); false for a refund of a captured amount.',
      },
    ],
  },
} as const;
