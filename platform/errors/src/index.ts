export {
  ConcurrencyError,
  IdempotencyKeyReusedError,
  isRetriable,
  NotFoundError,
  RuleViolationError,
  TransientError,
  UndecodableError,
  ValidationError,
  WaggleError,
} from './errors.ts';
