import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * The service logger: JSON lines on stdout (pino), with the service name on every line and credentials and
 * personal data redacted. Event payloads are never logged whole by waggle's own code.
 */
export const createLogger = (options: { service: string; level?: string }): Logger =>
  pino({
    name: options.service,
    level: options.level ?? 'info',
    base: { service: options.service },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', '*.password', '*.passengers', 'passengers'],
      censor: '[redacted]',
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  });

/** The same logger in the `(message, fields)` shape that kafka-bus and other libraries take. */
export const toMessageFirstLogger = (logger: Logger) => ({
  info: (message: string, fields?: Record<string, unknown>) => logger.info(fields ?? {}, message),
  warn: (message: string, fields?: Record<string, unknown>) => logger.warn(fields ?? {}, message),
  error: (message: string, fields?: Record<string, unknown>) => logger.error(fields ?? {}, message),
});
