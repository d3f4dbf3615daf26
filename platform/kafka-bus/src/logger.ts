/** Where kafka-bus reports what it does; pino, console or a test spy fit this shape. */
export type Logger = {
  readonly info: (message: string, fields?: Record<string, unknown>) => void;
  readonly warn: (message: string, fields?: Record<string, unknown>) => void;
  readonly error: (message: string, fields?: Record<string, unknown>) => void;
};

/** The default: warnings and errors to stderr, nothing else. */
export const consoleLogger: Logger = {
  info: () => undefined,
  warn: (message, fields) => console.warn(message, fields ?? ''),
  error: (message, fields) => console.error(message, fields ?? ''),
};
