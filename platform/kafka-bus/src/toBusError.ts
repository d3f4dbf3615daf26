import { TransientError, WaggleError } from '@waggle/errors';

const isKafkaRetriable = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && 'retriable' in error && error.retriable === true;

const gaveUpRetrying = (error: unknown): error is Error & { cause: unknown } =>
  error instanceof Error && error.name === 'KafkaJSNumberOfRetriesExceeded';

/**
 * Translates a kafkajs failure into waggle's error classes: kafkajs marks each of its errors `retriable`. When it
 * gave up retrying (`KafkaJSNumberOfRetriesExceeded`, itself not retriable) its cause decides, because a broker
 * that was away during kafkajs's retries may be back for the caller's next attempt.
 */
export const toBusError = (error: unknown, what: string): WaggleError => {
  if (error instanceof WaggleError) return error;
  const message = `${what}: ${error instanceof Error ? error.message : String(error)}`;
  const retriable = isKafkaRetriable(error) || (gaveUpRetrying(error) && isKafkaRetriable(error.cause));
  return retriable ? new TransientError(message, { cause: error }) : new WaggleError(message, { retriable: false, cause: error });
};
