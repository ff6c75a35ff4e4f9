/**
 * Structured JSON logs with Powertools Logger, one line per event. Every line, Powertools' own
 * warnings included, is redacted (./redact.ts) at the one place lines are written, then handed
 * to a sink: stdout in Lambda, a collector in tests.
 */
import { type LogItem, Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions, LogLevel } from '@aws-lambda-powertools/logger/types';
import { redactLine } from './redact.js';

export type LogSink = (line: string) => void;

let sink: LogSink = (line) => process.stdout.write(`${line}\n`);

/** Tests capture every line this way. */
export function setLogSink(next: LogSink): LogSink {
  const previous = sink;
  sink = next;
  return previous;
}

export class Logger extends PowertoolsLogger {
  // Log buffering stays off: buffered lines would be written past this method.
  protected override printLog(_level: number, log: LogItem): void {
    log.prepareForPrint();
    sink(redactLine(JSON.stringify(log.getAttributes(), this.getJsonReplacer())));
  }

  protected override processLogItem(...args: Parameters<PowertoolsLogger['processLogItem']>): void {
    try {
      super.processLogItem(...args);
    } catch {
      // A value too deep to merge or serialize costs its line, never the request.
      sink(JSON.stringify({ level: 'ERROR', message: 'a log line could not be written; dropped' }));
    }
  }

  protected override createLogger(options?: ConstructorOptions): Logger {
    return new Logger(options);
  }

  // createChild goes through createLogger: children redact too.
  override createChild(options?: ConstructorOptions): Logger {
    return super.createChild(options) as Logger;
  }
}

/**
 * The service's logger. `level` comes from POWERTOOLS_LOG_LEVEL or LOG_LEVEL (lib/config.ts),
 * in any case; an unknown level means INFO.
 */
export function createLogger(serviceName: string, level?: string): Logger {
  const logLevel = level?.toUpperCase() as LogLevel | undefined;
  return new Logger({ serviceName, ...(logLevel && { logLevel }) });
}
