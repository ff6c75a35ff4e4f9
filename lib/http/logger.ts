/**
 * Structured JSON logs, one line per event, with the keys Powertools Logger writes (`level`,
 * `message`, `timestamp`, `service`, the Lambda context's `cold_start` and `function_*`,
 * `xray_trace_id`), so log queries read them the same. Every line, this logger's own warnings
 * included, is redacted (./redact.ts) at the one place lines are written, then handed to a sink:
 * stdout in Lambda, a collector in tests.
 *
 * Our own rather than Powertools': Powertools Logger and Metrics were ~10 ms of every cold start
 * and ~35 µs of every webhook request's logging and counting (bench/README.md), for features
 * Pagos does not use (sampling, buffering, deep merging, time zones).
 */
import type { Context } from 'aws-lambda';
import { redactLine } from './redact.js';

export type LogSink = (line: string) => void;
export type LogFields = Readonly<Record<string, unknown>>;

let sink: LogSink = (line) => process.stdout.write(`${line}\n`);

/** Tests capture every line this way. */
export function setLogSink(next: LogSink): LogSink {
  const previous = sink;
  sink = next;
  return previous;
}

/** Powertools' level numbers; a line is written when its level is at least the logger's. */
export const LogLevel = {
  TRACE: 6,
  DEBUG: 8,
  INFO: 12,
  WARN: 16,
  ERROR: 20,
  CRITICAL: 24,
  SILENT: 28,
} as const;
type LevelName = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** Keys a line's own fields may not replace (Powertools' reserved keys). */
const RESERVED = new Set(['level', 'message', 'sampling_rate', 'service', 'timestamp']);

const levelNamed = (setting: string | undefined): number | undefined => {
  const name = String(setting).toUpperCase();
  return Object.hasOwn(LogLevel, name) ? LogLevel[name as keyof typeof LogLevel] : undefined;
};

/** The level a setting names, in any case; anything else is INFO. */
export function logLevelOf(setting: string | undefined): number {
  return levelNamed(setting) ?? LogLevel.INFO;
}

/**
 * The level a logger writes at: Lambda's own application log level (`AWS_LAMBDA_LOG_LEVEL`,
 * `FATAL` being CRITICAL) wins when set, as in Powertools; `stricter` says it drops lines the
 * setting asked for.
 */
export function effectiveLevel(
  setting: string | undefined,
  lambdaSetting: string | undefined,
): { level: number; stricter: boolean } {
  const own = logLevelOf(setting);
  const lambda = levelNamed(lambdaSetting?.toUpperCase() === 'FATAL' ? 'CRITICAL' : lambdaSetting);
  if (lambda === undefined) return { level: own, stricter: false };
  return { level: lambda, stricter: lambda > own };
}

/** X-Ray's trace id (the `Root` part of `_X_AMZN_TRACE_ID`), set by the runtime per invocation. */
export function traceIdOf(header: string | undefined): string | undefined {
  return header?.split(';', 1)[0]?.split('=')[1] || undefined;
}

/** An Error as a plain object: Powertools' shape, with the first code location of its stack. */
export function errorFields(error: Error): Record<string, unknown> {
  const { name, message, stack, cause } = error;
  const fields: Record<string, unknown> = {
    name,
    location: /\(([^()]*?):(\d+?):\d+?\)$/m.exec(String(stack))?.slice(1, 3).join(':') ?? '',
    message,
    stack,
    cause: cause instanceof Error ? errorFields(cause) : cause,
  };
  for (const key of Object.keys(error)) if (!(key in fields)) fields[key] = (error as never)[key];
  return fields;
}

/** Errors as their fields and bigints as text; JSON.stringify handles everything else. */
function plainValue(_key: string, value: unknown): unknown {
  if (value instanceof Error) return errorFields(value);
  return typeof value === 'bigint' ? value.toString() : value;
}

/**
 * plainValue, plus a value that is its own ancestor (a cycle) left out rather than failing the
 * line. `this` is the object holding the key: every value on top of it is a finished sibling's.
 */
function acyclicReplacer(): (this: unknown, key: string, value: unknown) => unknown {
  const ancestors: unknown[] = [];
  return function (this: unknown, key, raw) {
    const value = plainValue(key, raw);
    while (ancestors.length > 0 && ancestors.at(-1) !== this) ancestors.pop();
    if (ancestors.includes(value)) return undefined;
    ancestors.push(value);
    return value;
  };
}

/** The line as JSON; a cycle takes the slower walk (a value too deep still throws). */
export function serializeLine(line: Record<string, unknown>): string {
  try {
    return JSON.stringify(line, plainValue);
  } catch {
    return JSON.stringify(line, acyclicReplacer());
  }
}

type LambdaFields = {
  cold_start: boolean;
  function_arn: string;
  function_memory_size: string;
  function_name: string;
  function_request_id: string;
};

export class Logger {
  readonly #service: string;
  readonly #level: number;
  #lambda: Partial<LambdaFields> = {};
  #coldStart = process.env.AWS_LAMBDA_INITIALIZATION_TYPE !== 'provisioned-concurrency';
  #keys: Record<string, unknown> = {};

  constructor(options: { serviceName: string; level?: string | undefined }) {
    this.#service = options.serviceName;
    const lambdaSetting = process.env.AWS_LAMBDA_LOG_LEVEL;
    const { level, stricter } = effectiveLevel(options.level, lambdaSetting);
    this.#level = level;
    if (stricter)
      this.warn(
        `Current log level (${options.level}) does not match AWS Lambda Advanced Logging Controls minimum log level (${lambdaSetting}). This can lead to data loss, consider adjusting them.`,
      );
  }

  debug(message: string, ...fields: LogFields[]): void {
    this.#write('DEBUG', message, fields);
  }

  info(message: string, ...fields: LogFields[]): void {
    this.#write('INFO', message, fields);
  }

  warn(message: string, ...fields: LogFields[]): void {
    this.#write('WARN', message, fields);
  }

  error(message: string, ...fields: LogFields[]): void {
    this.#write('ERROR', message, fields);
  }

  /** Keys on every later line, until resetKeys. */
  appendKeys(keys: LogFields): void {
    this.#copyInto(this.#keys, keys);
  }

  /** Forgets the appended keys (the Lambda context stays, replaced by the next addContext). */
  resetKeys(): void {
    this.#keys = {};
  }

  /** The invocation's context on every later line; the first one of an instance is its cold start. */
  addContext(context: Pick<Context, 'awsRequestId'> & Partial<Context>): void {
    this.#lambda = {};
    this.#copyInto(this.#lambda, {
      cold_start: this.#coldStart,
      function_arn: context.invokedFunctionArn,
      function_memory_size: context.memoryLimitInMB,
      function_name: context.functionName,
      function_request_id: context.awsRequestId,
    });
    this.#coldStart = false;
  }

  #copyInto(target: Record<string, unknown>, fields: LogFields): void {
    for (const key of Object.keys(fields)) {
      const value = fields[key];
      if (RESERVED.has(key)) this.warn(`The key "${key}" is a reserved key and will be dropped.`);
      // Powertools' rule: an empty value leaves the key out (JSON leaves out an undefined one).
      else if (value === null || value === '') delete target[key];
      else target[key] = value;
    }
  }

  #write(level: LevelName, message: string, fields: readonly LogFields[]): void {
    if (LogLevel[level] < this.#level) return;
    try {
      const line: Record<string, unknown> = {
        level,
        message,
        timestamp: new Date().toISOString(),
        service: this.#service,
        ...this.#lambda,
        xray_trace_id: traceIdOf(process.env._X_AMZN_TRACE_ID),
        ...this.#keys,
      };
      for (const each of fields) this.#copyInto(line, each);
      sink(redactLine(serializeLine(line)));
    } catch {
      // A value too deep to serialize costs its line, never the request.
      sink(JSON.stringify({ level: 'ERROR', message: 'a log line could not be written; dropped' }));
    }
  }
}

/**
 * The service's logger. `level` comes from POWERTOOLS_LOG_LEVEL or LOG_LEVEL (lib/config.ts),
 * in any case; an unknown level means INFO.
 */
export function createLogger(serviceName: string, level?: string): Logger {
  return new Logger({ serviceName, level });
}
