/** The airline's contexts whose event topics the correlation index reads by default (`<name>.events`). */
const airlineContexts = ['flights', 'bookings', 'payments', 'loyalty', 'checkin'] as const;

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * What the correlation index consumes, from `SAGA_CORRELATION_TOPICS`: `none` turns it off; `/<regex>/` is a pattern;
 * a comma-separated list names topics; empty (the default) means the airline's five event topics (as a deployment
 * renames them: `BOOKINGS_TOPIC=x`) plus the coordinator's own inputs, task and events topics under its prefix.
 */
export const toCorrelationTopics = (setting: string, sagaPrefix: string, renamed: Readonly<Record<string, string>>): RegExp | undefined => {
  const value = setting.trim();
  if (value === 'none') return undefined;
  if (value.length > 2 && value.startsWith('/') && value.endsWith('/')) return new RegExp(value.slice(1, -1));
  const named =
    value === ''
      ? airlineContexts.map((context) => renamed[`${context}.events`] ?? `${context}.events`)
      : value
          .split(',')
          .map((topic) => topic.trim())
          .filter((topic) => topic.length > 0);
  const saga = value === '' ? [`${escape(sagaPrefix)}\\.(?:inputs|events|tasks\\..+)`] : [];
  return new RegExp(`^(?:${[...named.map(escape), ...saga].join('|')})$`);
};
