export {
  ConcurrencyError,
  IdempotencyKeyReusedError,
  isRetriable,
  NotFoundError,
  RuleViolationError,
  TransientError,
  UndecodableError,
  ValidationError,
  VersionGapError,
  WaggleError,
} from './errors.ts';
