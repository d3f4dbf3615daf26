export { ConcurrencyError, isRetriable, NotFoundError, TransientError, UndecodableError, ValidationError, WaggleError } from './errors.ts';
