import { createProducer, createTopics, type ProducerRecord } from '@waggle/kafka-bus';
import { loadSchemas, schemasRoot, type SchemaFile } from '@waggle/schemas';
import {
  createAvroSerde,
  createRegistryReader,
  type AvroSerde,
  createSchemaWriter,
  type RegisteredSchema,
  type SchemaViolation,
} from '@waggle/serde';
import { Command } from 'commander';
import { relative } from 'node:path';
import { createCliEnvelope } from './createCliEnvelope.ts';
import { createProgress } from './createProgress.ts';
import { CliError, exitCodes } from './exitCodes.ts';
import { formatInputProblem, toJsonPointer } from './formatInputProblem.ts';
import type { InputProblem } from './parseJsonLines.ts';
import { readProduceInput } from './readProduceInput.ts';
import { recordKeyOf } from './recordKey.ts';
import { resolveEventType } from './resolveEventType.ts';
import { loadStackEndpoints } from './stackEndpoints.ts';
import { topicOwnerOf, type TopicOwner } from './topicOwner.ts';

type ProduceOptions = {
  type: string;
  data?: string;
  file?: string;
  key?: string;
  correlationId?: string;
  force?: boolean;
  createTopic?: boolean;
};

// records per send(): big enough to fill the producer's batches, small enough for the progress bar to move
const chunkSize = 500;

const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;

/** What records are checked against: the subject's registered latest version, or the local schema that would be registered. */
const schemaCheck = (
  registered: RegisteredSchema | undefined,
  local: SchemaFile,
  serde: AvroSerde,
): { readonly validate: (data: unknown) => SchemaViolation[]; readonly describe: string } => {
  if (registered === undefined) {
    return {
      validate: (data) => serde.validate(local.fullName, data),
      describe: `the local schema ${relative(process.cwd(), local.file)}, not registered yet`,
    };
  }
  if (registered.schemaType !== undefined && registered.schemaType.toUpperCase() !== 'AVRO')
    throw new CliError(`${registered.subject} is registered as a ${registered.schemaType} schema, not Avro`, exitCodes.failure);
  const writer = createSchemaWriter({ schemaId: registered.id, schema: registered.schema });
  return {
    validate: (data) => writer.validate(data),
    describe: `${registered.subject} version ${registered.version}, schema id ${registered.id}`,
  };
};

// the same partition count as the services give their topics
const createdPartitions = 3;

/**
 * A context's topic holds the facts its service decided. One written by hand is a fact the service never decided:
 * its own state does not know it, so what it decides next contradicts it (bookings rejects a booking for a flight
 * scheduled this way as unknown).
 */
const refuseOwnedTopic = (topic: string, owner: TopicOwner): never => {
  const ask =
    owner.serviceUrl === undefined
      ? `ask the ${owner.context} service`
      : `ask the ${owner.context} service through its REST API (${owner.serviceUrl}/openapi.json lists its commands)`;
  throw new CliError(
    `${topic} belongs to the ${owner.context} context: its events are facts the ${owner.context} service decided, ` +
      `and a record produced here would be a fact it never decided (its own state would not know it). ` +
      `To change what ${owner.context} knows, ${ask}; to try events out, produce to a topic no context owns ` +
      `(--create-topic creates one); to write here anyway (a repair, a throwaway stack), pass --force`,
    exitCodes.usage,
  );
};

const produce = async (topic: string, options: ProduceOptions): Promise<void> => {
  const endpoints = loadStackEndpoints();
  const schemas = loadSchemas(schemasRoot);
  const local = resolveEventType(schemas, options.type, topic);
  const owner = topicOwnerOf(schemas, topic);
  if (owner !== undefined && options.force !== true) refuseOwnedTopic(topic, owner);
  if (owner !== undefined)
    console.error(
      `waggle: warning: --force: ${topic} belongs to the ${owner.context} context; the ${owner.context} service never ` +
        `decided these records and its own state will not know them`,
    );
  const input = await readProduceInput(options);
  const inputCount = input.records.length + input.problems.length;
  if (inputCount === 0) throw new CliError(`${input.source} holds no records`, exitCodes.usage);

  await endpoints.requireKafka();
  if (options.createTopic === true) {
    const created = await createTopics(endpoints.brokers, [{ topic, partitions: createdPartitions }], {
      clientId: 'waggle-cli',
      logger: endpoints.logger,
    });
    if (created.length > 0) console.error(`waggle: created topic ${topic} with ${createdPartitions} partitions`);
  } else await endpoints.requireTopic(topic);
  const subject = `${topic}-${local.fullName}`;
  const registered = await endpoints.withRegistry(() => createRegistryReader({ url: endpoints.registryUrl }).latest(subject));
  const serde = createAvroSerde({ registryUrl: endpoints.registryUrl, schemas: [local] });
  const check = schemaCheck(registered, local, serde);

  // every record is checked before the first is sent: a file is produced whole or not at all
  const problems: InputProblem[] = [...input.problems];
  const keyed: { readonly key: string; readonly data: unknown }[] = [];
  for (const { line, data } of input.records) {
    const violations = check.validate(data).map((v) => ({ line, path: toJsonPointer(v.path), message: v.message }));
    problems.push(...violations);
    const key = options.key === undefined ? recordKeyOf(local.context, data) : { key: options.key };
    if ('key' in key) keyed.push({ key: key.key, data });
    // a key field the schema already finds missing or mistyped needs saying once
    else if (!violations.some((v) => v.path === key.path)) problems.push({ line, ...key });
  }
  if (problems.length > 0) {
    for (const problem of problems.sort((a, b) => a.line - b.line)) console.error(formatInputProblem(input.source, problem));
    const badLines = new Set(problems.map((p) => p.line)).size;
    throw new CliError(
      `${badLines} of ${plural(inputCount, 'record')} in ${input.source} ${badLines === 1 ? 'is' : 'are'} invalid ` +
        `(checked against ${check.describe}); nothing was produced`,
      exitCodes.usage,
    );
  }

  let schemaId = registered?.id;
  let schema: string | object = registered?.schema ?? local.schema;
  if (schemaId === undefined) {
    schemaId = await endpoints.withRegistry(() => serde.register(topic, local.fullName));
    schema = local.schema;
    console.error(`waggle: ${subject} was not registered; registered ${relative(process.cwd(), local.file)} as schema id ${schemaId}`);
  }
  const writer = createSchemaWriter({ schemaId, schema });
  const envelope = createCliEnvelope(options.correlationId === undefined ? {} : { correlationId: options.correlationId });
  const records: ProducerRecord[] = keyed.map(({ key, data }) => ({
    topic,
    key,
    value: writer.encode(data),
    headers: envelope({ key, fullName: local.fullName }),
  }));

  const producer = createProducer({ brokers: endpoints.brokers, clientId: 'waggle-cli', logger: endpoints.logger });
  const progress = input.source === '--data' ? undefined : createProgress({ total: records.length, label: `producing to ${topic}` });
  await producer.start();
  try {
    const chunks = Array.from({ length: Math.ceil(records.length / chunkSize) }, (_, i) =>
      records.slice(i * chunkSize, (i + 1) * chunkSize),
    );
    // all chunks are handed over at once; the producer batches them and keeps their order per key
    await Promise.all(chunks.map((chunk) => producer.send(chunk).then(() => progress?.advance(chunk.length))));
  } finally {
    progress?.stop();
    await producer.stop();
  }
  console.log(`produced ${plural(records.length, 'record')} to ${topic}`);
};

/** `waggle produce`: validated, enveloped events onto a topic, from the command line or a JSON Lines file. */
export const produceCommand = (): Command =>
  new Command('produce')
    .description("validate records against their registered Avro schema, then produce them with the services' envelope")
    .argument('<topic>', 'topic to produce to, e.g. bookings.events')
    .requiredOption('-t, --type <EventType>', 'event type, e.g. BookingRequested or waggle.bookings.BookingRequested')
    .option('-d, --data <json>', 'one record as a JSON object')
    .option('-f, --file <events.jsonl>', 'JSON Lines, one record per line; - reads stdin')
    .option('-k, --key <key>', "Kafka key of every record (default: the record's aggregate id, e.g. bookingId)")
    .option('--correlation-id <id>', 'correlation id of every record (default: a new one per run)')
    .option('--create-topic', `create the topic when it does not exist (${createdPartitions} partitions)`)
    .option('--force', "produce to a context's own topic (<context>.events) although its service never decided these facts")
    .addHelpText(
      'after',
      `
Every record is checked against the latest schema registered for subject <topic>-<full name> before
anything is produced; an invalid record is reported as file:line: /field: problem, and then nothing is
produced (exit 2). A subject not registered yet gets the local schema from schemas/ (said on stderr).
The key defaults to the aggregate id: flightId, bookingId, paymentId, memberId (loyalty), bookingId (checkin).

A context's own topic (<context>.events, e.g. flights.events) is refused (exit 2): its events are facts its
service decided, and one produced by hand is a fact the service never decided (bookings would reject a booking
for a flight "scheduled" that way as unknown). Change what a context knows through its service's REST API;
produce to topics no context owns to try events out. --force writes to a context's topic anyway, with a
warning: for repairs, or a throwaway stack.

Examples:
  $ waggle produce try.bookings --create-topic --type BookingRequested \\
      --data '{"bookingId":"B-1","customerId":"C-1","flightId":"LH400-2026-12-01","passengers":[{"firstName":"Ada","lastName":"Lovelace"}],"seats":1}'
  $ waggle produce try.flights --create-topic --type FlightScheduled --file flights.jsonl
  $ cat events.jsonl | waggle produce try.bookings --type waggle.bookings.BookingCancelled --file -
  $ waggle produce flights.events --force --type FlightScheduled --file repair.jsonl`,
    )
    .action(produce);
