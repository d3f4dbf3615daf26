const levels: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
const colours = ['\x1b[36m', '\x1b[35m', '\x1b[33m', '\x1b[32m', '\x1b[34m', '\x1b[31m'];

/** A service's log line for a terminal: pino JSON shortened to `time LEVEL message key=value…`, other lines as they are. */
export const formatLogLine = (line: string): string => {
  if (!line.startsWith('{')) return line;
  try {
    const {
      level,
      time,
      msg,
      service: _service,
      name: _name,
      pid: _pid,
      hostname: _hostname,
      ...rest
    } = JSON.parse(line) as Record<string, unknown>;
    const extras = Object.entries(rest)
      .filter(([, v]) => v !== undefined && typeof v !== 'object')
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ');
    const clock = typeof time === 'string' ? time.slice(11, 23) : '';
    return `${clock} ${levels[Number(level)] ?? String(level)} ${typeof msg === 'string' ? msg : JSON.stringify(msg ?? '')}${extras ? `  ${extras}` : ''}`;
  } catch {
    return line;
  }
};

/** `[name]` in a colour of its own (when the output is a terminal), padded so columns line up. */
export const prefixFor = (name: string, index: number, width: number, colour: boolean): string => {
  const label = `[${name}]`.padEnd(width + 2);
  return colour ? `${colours[index % colours.length]}${label}\x1b[0m` : label;
};
