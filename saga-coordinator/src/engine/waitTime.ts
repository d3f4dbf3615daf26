const units: readonly (readonly [RegExp, number])[] = [
  [/^(d|days?)$/i, 86_400],
  [/^(h|hrs?|hours?)$/i, 3_600],
  [/^(m|mins?|minutes?)$/i, 60],
  [/^(s|secs?|seconds?)$/i, 1],
];

/** Seconds of a WAIT `duration` ("1 seconds", "2d 3h", "30m"): parts in the order days, hours, minutes, seconds. */
export const parseDuration = (text: string): number | undefined => {
  const parts = [...text.trim().matchAll(/(\d+)\s*([a-zA-Z]+)/g)];
  if (
    parts.length === 0 ||
    parts
      .map((part) => part[0])
      .join('')
      .replace(/\s/g, '') !== text.replace(/\s/g, '')
  )
    return undefined;
  let seconds = 0;
  let lastRank = -1;
  for (const [, amount, unit] of parts) {
    const rank = units.findIndex(([pattern]) => pattern.test(unit ?? ''));
    if (rank === -1 || rank <= lastRank) return undefined;
    lastRank = rank;
    seconds += Number(amount) * (units[rank]?.[1] ?? 0);
  }
  return seconds;
};

const zoneOffsetMinutes = (zone: string): number | undefined => {
  if (/^(UTC|GMT|Z)$/i.test(zone)) return 0;
  const offset = /^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(zone);
  if (offset === null) return undefined;
  const minutes = Number(offset[2]) * 60 + Number(offset[3] ?? 0);
  return offset[1] === '-' ? -minutes : minutes;
};

/** Epoch ms of a WAIT `until` (`yyyy-MM-dd HH:mm`, `yyyy-MM-dd HH:mm z`, `yyyy-MM-dd`); no zone means UTC. */
export const parseUntil = (text: string): number | undefined => {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2})(?: (\S+))?)?$/.exec(text.trim());
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, zone] = match;
  const offset = zone === undefined ? 0 : zoneOffsetMinutes(zone);
  if (offset === undefined) return undefined;
  const at = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour ?? 0), Number(minute ?? 0));
  return Number.isNaN(at) ? undefined : at - offset * 60_000;
};
