export const fmtTime = (value: number | string | undefined): string => {
  if (value === undefined || value === 0 || value === '') return '—';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return '—';
  return date.toLocaleString(undefined, {
    hour12: false,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
};

export const fmtDuration = (ms: number | undefined): string => {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
};

export const json = (value: unknown): string => JSON.stringify(value ?? null, null, 2);

export const toMs = (value: number | string | undefined): number | undefined => {
  if (value === undefined || value === 0 || value === '') return undefined;
  const ms = typeof value === 'number' ? value : Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
};

/** Conductor's "Task … failed with status: … and reason: '…'" said as its reason. */
export const shortReason = (reason: string): string => /and reason: '([\s\S]*)'$/.exec(reason)?.[1] ?? reason;
