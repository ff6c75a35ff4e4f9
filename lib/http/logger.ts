/**
 * Structured JSON logs, one line per event, with secrets and personal data removed whatever
 * field they hide in.
 */

export const LogLevel = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type LogLevel = keyof typeof LogLevel;
export type LogFields = Record<string, unknown>;

const REDACTED = '[redacted]';
const SENSITIVE_KEYS = new Set([
  'secret',
  'authorization',
  'token_id',
  'token',
  'email',
  'phone',
  'first_name',
  'last_name',
  'name',
  'number',
  'cvc',
  'card',
]);
// Conekta private keys, bearer tokens, card tokens, and 13-19 digit card-like numbers.
const SENSITIVE_TEXT = [/key_[A-Za-z0-9_-]+/g, /tok_[A-Za-z0-9_-]+/g, /\b(?:\d[ -]?){12,18}\d\b/g];

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[deep]';
  if (typeof value === 'string')
    return SENSITIVE_TEXT.reduce((text, pattern) => text.replace(pattern, REDACTED), value);
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  if (value instanceof Error) return { name: value.name, message: redact(value.message, depth + 1) };
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        SENSITIVE_KEYS.has(k.toLowerCase()) ? REDACTED : redact(v, depth + 1),
      ]),
    );
  }
  return value;
}

export type LogSink = (line: string) => void;

let sink: LogSink = (line) => process.stdout.write(`${line}\n`);

/** Tests capture every line this way. */
export function setLogSink(next: LogSink): LogSink {
  const previous = sink;
  sink = next;
  return previous;
}

export class Logger {
  private readonly threshold: number;

  constructor(
    private readonly service: string,
    level: string = process.env.LOG_LEVEL ?? 'info',
    private readonly context: LogFields = {},
  ) {
    this.threshold =
      LogLevel[(level.toLowerCase() as LogLevel) in LogLevel ? (level.toLowerCase() as LogLevel) : 'info'];
  }

  child(context: LogFields): Logger {
    const level = Object.entries(LogLevel).find(([, n]) => n === this.threshold)?.[0] ?? 'info';
    return new Logger(this.service, level, { ...this.context, ...context });
  }

  debug(message: string, fields?: LogFields): void {
    this.write('debug', message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.write('info', message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.write('warn', message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.write('error', message, fields);
  }

  private write(level: LogLevel, message: string, fields?: LogFields): void {
    if (LogLevel[level] < this.threshold) return;
    const entry = {
      level,
      message,
      service: this.service,
      timestamp: new Date().toISOString(),
      ...this.context,
      ...fields,
    };
    sink(JSON.stringify(redact(entry)));
  }
}
