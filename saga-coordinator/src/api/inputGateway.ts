import { randomUUID } from 'node:crypto';
import { NotFoundError, RuleViolationError, TransientError } from '@waggle/errors';
import type { Producer } from '@waggle/kafka-bus';
import type { AvroSerde } from '@waggle/serde';
import type { SagaTopics } from '@waggle/task-worker';
import { commandIdOf } from '../service/applyInput.ts';
import type { Outcome, OutcomeStore } from '../service/coordinatorStores.ts';
import { toInputRecord, type CoordinatorInput } from '../service/inputRecords.ts';

/** Who asked: carried on the input as its correlation and causation. */
export type RequestCause = { readonly correlationId?: string; readonly causationId: string; readonly traceparent?: string };

/**
 * The API's way to move an execution: it never writes the execution itself, it puts the input on the inputs topic (so
 * the owner of the execution's partition applies it, in order with everything else) and waits for the outcome the
 * owner records. A refusal becomes the error Conductor's API answers with (404, 409).
 */
export const createInputGateway = (options: {
  readonly producer: Producer;
  readonly serde: AvroSerde;
  readonly topics: SagaTopics;
  readonly outcomes: OutcomeStore;
  readonly replyTimeoutMs: number;
}) => {
  const send = async (input: CoordinatorInput, cause: RequestCause): Promise<Outcome> => {
    const id = randomUUID();
    const record = await toInputRecord(
      options.serde,
      options.topics,
      input,
      {
        id,
        correlationId: cause.correlationId ?? input.workflowId,
        causationId: cause.causationId,
        ...(cause.traceparent ? { traceparent: cause.traceparent } : {}),
      },
      { reply: true },
    );
    // listening before sending: the owner may be this instance and answer at once
    const waiting = options.outcomes.wait(commandIdOf(id), options.replyTimeoutMs);
    // a failed send leaves the wait to time out on its own: its failure is of no interest then
    waiting.catch(() => undefined);
    await options.producer.send([record]);
    const outcome = await waiting;
    if (outcome !== undefined) return outcome;
    throw new TransientError(`input ${id} for ${input.workflowId} is queued but not applied yet; it will be`);
  };
  return {
    send,
    /** Puts the input on the inputs topic (durably: once Kafka acknowledged it) without waiting for its outcome. */
    post: async (input: CoordinatorInput, cause: RequestCause): Promise<void> => {
      const record = await toInputRecord(options.serde, options.topics, input, {
        id: randomUUID(),
        correlationId: cause.correlationId ?? input.workflowId,
        causationId: cause.causationId,
        ...(cause.traceparent ? { traceparent: cause.traceparent } : {}),
      });
      await options.producer.send([record]);
    },
    /** Sends and turns a refusal into its error. */
    apply: async (input: CoordinatorInput, cause: RequestCause): Promise<Outcome> => {
      const outcome = await send(input, cause);
      if (outcome.error?.status === 404) throw new NotFoundError(outcome.error.message);
      if (outcome.error !== undefined) throw new RuleViolationError(outcome.error.message);
      return outcome;
    },
  };
};

export type InputGateway = ReturnType<typeof createInputGateway>;
