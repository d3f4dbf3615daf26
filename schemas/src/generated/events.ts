// Generated from schemas/*/*.avsc by `npm run schemas:generate`. Do not edit by hand.

import type { BookingsEvent } from './bookings.ts';
import { bookingsFullNames, bookingsSchemas } from './bookings.ts';
import type { CheckinEvent } from './checkin.ts';
import { checkinFullNames, checkinSchemas } from './checkin.ts';
import type { FlightsEvent } from './flights.ts';
import { flightsFullNames, flightsSchemas } from './flights.ts';
import type { LoyaltyEvent } from './loyalty.ts';
import { loyaltyFullNames, loyaltySchemas } from './loyalty.ts';
import type { PaymentsEvent } from './payments.ts';
import { paymentsFullNames, paymentsSchemas } from './payments.ts';
import type { SagaEvent } from './saga.ts';
import { sagaFullNames, sagaSchemas } from './saga.ts';

/** Every event of every context. */
export type WaggleEvent = BookingsEvent | CheckinEvent | FlightsEvent | LoyaltyEvent | PaymentsEvent | SagaEvent;

/** The `type` of every event, equal to its Avro record name. */
export type WaggleEventType = WaggleEvent['type'];

/** Avro full name of every event type. */
export const eventFullNames = {
  ...bookingsFullNames,
  ...checkinFullNames,
  ...flightsFullNames,
  ...loyaltyFullNames,
  ...paymentsFullNames,
  ...sagaFullNames,
} as const;

/** Avro schema of every event type. */
export const eventSchemas = {
  ...bookingsSchemas,
  ...checkinSchemas,
  ...flightsSchemas,
  ...loyaltySchemas,
  ...paymentsSchemas,
  ...sagaSchemas,
} as const;
