import type { SchemaFile } from '@waggle/schemas';
import { serviceUrls } from './serviceUrls.ts';

// the topics of ARCHITECTURE.md: `<context>.events`, written only by the context's own service
const contextTopic = /^([a-z][a-z0-9-]*)\.events$/;

/** The context that owns a topic, and where its service answers when it is one of the example system's. */
export type TopicOwner = { readonly context: string; readonly serviceUrl?: string };

/** The owner of `<context>.events` for a context that has schemas; a topic no context owns has none. */
export const topicOwnerOf = (schemas: readonly SchemaFile[], topic: string): TopicOwner | undefined => {
  const context = contextTopic.exec(topic)?.[1];
  if (context === undefined || !schemas.some((s) => s.context === context)) return undefined;
  const service = serviceUrls().find((s) => s.name === context);
  return service === undefined ? { context } : { context, serviceUrl: service.url };
};
