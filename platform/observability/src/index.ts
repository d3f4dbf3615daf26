export { createLogger, toMessageFirstLogger } from './createLogger.ts';
export type { Logger } from './createLogger.ts';
export { childTraceparent, traceIdOf } from './traceparent.ts';
