// Every Conekta API call the sandbox received, so tests can assert "no Conekta call was made" or
// count calls per operation (GET/DELETE /_sandbox/requests). Never the key: a fingerprint.
import type { MisfitKind, RequestFault } from './faults.js';
import type { OperationId } from './operations.js';

export interface RequestLogEntry {
  /** null: no operation of the sandbox has this method and path. */
  operation_id: OperationId | null;
  method: string;
  path: string;
  query: Record<string, string>;
  /** The status answered; null when the connection was dropped or the call hangs. */
  status: number | null;
  /** sha256 fingerprint of the API key; null without a well-formed key. */
  key_fingerprint: string | null;
  livemode: boolean | null;
  /** An injected fault, and whether the work was done before it. */
  fault?: RequestFault;
  after_processing?: boolean;
  misfit?: MisfitKind;
  /** The answer was replayed for a seen Idempotency-Key (nothing was done). */
  idempotent_replay?: boolean;
  /** Unix milliseconds when the call arrived. */
  at: number;
}

export class RequestLog {
  private readonly entries: RequestLogEntry[] = [];

  add(entry: RequestLogEntry): void {
    this.entries.push(entry);
  }

  clear(): void {
    this.entries.length = 0;
  }

  /** `operation` is an operationId, `method` case-insensitive, `path` the exact path called. */
  list(filters: URLSearchParams): RequestLogEntry[] {
    const operation = filters.get('operation');
    const method = filters.get('method')?.toUpperCase();
    const path = filters.get('path');
    return this.entries.filter(
      (entry) =>
        (operation === null || entry.operation_id === operation) &&
        (method === undefined || entry.method === method) &&
        (path === null || entry.path === path),
    );
  }
}
