export {
  ConcurrencyError,
  isRetriable,
  NotFoundError,
  RuleViolationError,
  TransientError,
  UndecodableError,
  ValidationError,
  WaggleError,
} from './errors.ts';
