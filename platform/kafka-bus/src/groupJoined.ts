import type { Consumer } from 'kafkajs';

/**
 * Resolves once `consumer` has joined its group; rejects with the error it crashed with before that. Call it
 * before `consumer.run()`, so that neither event is missed.
 */
export const groupJoined = (consumer: Consumer): Promise<void> =>
  new Promise<void>((resolve, reject) => {
    const removeJoin = consumer.on(consumer.events.GROUP_JOIN, () => {
      removeJoin();
      removeCrash();
      resolve();
    });
    const removeCrash = consumer.on(consumer.events.CRASH, (event) => {
      removeJoin();
      removeCrash();
      reject(event.payload.error);
    });
  });
