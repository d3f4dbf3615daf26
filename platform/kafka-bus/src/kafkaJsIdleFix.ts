import { createRequire } from 'node:module';

type RequestQueue = {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
};

const checkIntervalMs = 10;
const patched = Symbol.for('waggle.kafkajs.idleFix');

/**
 * kafkajs 2.2.4 re-arms a `setTimeout(check, throttledUntil - now)` on every connection after every check, also with
 * nothing pending and no throttle: a negative delay is 1 ms, so each idle connection wakes the process 1,000 times a
 * second (tulios/kafkajs#1556, #1704; unreleased fixes #1667, #1768). Here a check is scheduled only when a request
 * waits: `push` schedules one when it enqueues and a fulfilled or timed-out request runs the check itself, so nothing
 * that waits is left unchecked. Applied once per process, before any client is built.
 */
export const applyKafkaJsIdleFix = (): void => {
  const require = createRequire(import.meta.url);
  const queue = require('kafkajs/src/network/requestQueue/index.js') as { prototype: RequestQueue } & Record<symbol, boolean>;
  if (queue[patched] === true) return;
  if (typeof queue.prototype.scheduleCheckPendingRequests !== 'function') {
    throw new Error('kafkajs RequestQueue.scheduleCheckPendingRequests is gone: review kafkaJsIdleFix.ts for this kafkajs version');
  }
  queue.prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueue): void {
    if (this.throttleCheckTimeoutId !== null && this.throttleCheckTimeoutId !== undefined) return;
    if (this.pending.length === 0) return;
    const untilUnthrottled = this.throttledUntil - Date.now();
    this.throttleCheckTimeoutId = setTimeout(
      () => {
        this.throttleCheckTimeoutId = null;
        this.checkPendingRequests();
      },
      untilUnthrottled > 0 ? untilUnthrottled : checkIntervalMs,
    );
  };
  queue[patched] = true;
};
