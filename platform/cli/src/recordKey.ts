/**
 * The field holding each context's aggregate id, which is the Kafka key of its events (ARCHITECTURE.md: key =
 * aggregate id). Payments are kept per booking, check-in per flight (its seats are one decision); saga traffic is keyed
 * by workflow execution.
 */
export const aggregateKeyFields: Readonly<Record<string, string>> = {
  flights: 'flightId',
  bookings: 'bookingId',
  payments: 'bookingId',
  loyalty: 'memberId',
  checkin: 'flightId',
  // the saga coordinator's topics are keyed by execution, so one execution's traffic stays in order
  saga: 'workflowId',
};

/**
 * The key of an event of `context`: its aggregate id field when that is a non-empty string; otherwise why there is
 * none, with the field as a JSON Pointer, so the caller can report it like a schema violation and ask for `--key`.
 */
export const recordKeyOf = (
  context: string,
  data: Readonly<Record<string, unknown>>,
): { readonly key: string } | { readonly path?: string; readonly message: string } => {
  const field = aggregateKeyFields[context];
  if (field === undefined) return { message: `no aggregate id field is known for ${context} events to take the key from; pass --key` };
  const value = data[field];
  if (typeof value !== 'string' || value === '')
    return { path: `/${field}`, message: `the key is taken from ${field}, which is not a non-empty string here; fix it or pass --key` };
  return { key: value };
};
