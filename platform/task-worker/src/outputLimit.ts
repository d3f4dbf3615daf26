/**
 * The largest task output waggle takes, as JSON bytes (512 KiB): a result must fit in one Kafka record (1 MB by
 * default) beside its headers, and an execution keeps every output in its history and snapshot. Conductor keeps
 * large payloads in external storage; waggle fails the task instead, cleanly and for good, naming both sizes
 * (Netflix/conductor#2323: an output over 10 MB left the workflow RUNNING).
 */
export const maxTaskOutputBytes = 512 * 1024;

/** Why an output cannot be taken, or undefined when it fits. */
export const outputTooLarge = (output: Readonly<Record<string, unknown>> | undefined, limit = maxTaskOutputBytes): string | undefined => {
  if (output === undefined) return undefined;
  const bytes = Buffer.byteLength(JSON.stringify(output));
  return bytes > limit ? `the task output is ${bytes} bytes, over the limit of ${limit} bytes` : undefined;
};
