import type { SchemaFile } from '@waggle/schemas';
import { CliError, exitCodes } from './exitCodes.ts';

// the topics of ARCHITECTURE.md: `<context>.events`
const contextTopic = /^([a-z][a-z0-9-]*)\.events$/;

/**
 * The local schema `--type` names, by event type (`BookingRequested`) or full name
 * (`waggle.bookings.BookingRequested`). An unknown name, or an event of one context aimed at another context's
 * topic, is bad usage: a typo there would put a record where its consumers never look.
 */
export const resolveEventType = (schemas: readonly SchemaFile[], name: string, topic: string): SchemaFile => {
  const matches = schemas.filter((s) => s.fullName === name || s.type === name);
  const [found] = matches;
  if (found === undefined) {
    const known = schemas.map((s) => s.type).join(', ');
    throw new CliError(`unknown event type "${name}"; known types: ${known}`, exitCodes.usage);
  }
  if (matches.length > 1)
    throw new CliError(
      `event type "${name}" is ambiguous: ${matches.map((s) => s.fullName).join(', ')}; pass the full name`,
      exitCodes.usage,
    );
  const topicContext = contextTopic.exec(topic)?.[1];
  if (topicContext !== undefined && schemas.some((s) => s.context === topicContext) && topicContext !== found.context)
    throw new CliError(
      `${found.fullName} is a ${found.context} event; it belongs on ${found.context}.events, not ${topic}`,
      exitCodes.usage,
    );
  return found;
};
