/** A stack operation that cannot go on; its message is one line a user can act on. */
export class StackError extends Error {
  readonly retriable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StackError';
  }
}
