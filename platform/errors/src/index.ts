export { ConcurrencyError, isRetriable, TransientError, UndecodableError, ValidationError, WaggleError } from './errors.ts';
