/** Where the event store reports what it survived without failing a call (pino's fields-first shape fits). */
export type StoreLogger = { readonly warn: (fields: Record<string, unknown>, message: string) => void };

/** The default: one JSON line on stderr, so that nothing survived goes unsaid when no logger is given. */
export const stderrLogger: StoreLogger = {
  warn: (fields, message) => {
    const err = fields['err'] instanceof Error ? { message: fields['err'].message, name: fields['err'].name } : fields['err'];
    process.stderr.write(`${JSON.stringify({ level: 'warn', time: new Date().toISOString(), msg: message, ...fields, err })}\n`);
  },
};
