// Request routing: the Conekta API (auth, Accept, contract checks, knobs), the /_sandbox
// controls and the hosted checkout pages.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { API_HANDLERS } from './api.js';
import { handleCheckout, handleControl } from './control.js';
import {
  apiFailure,
  ConektaApiError,
  errorBody,
  injectedFailure,
  invalidKey,
  type Lang,
  langFrom,
  malformedRequest,
  missingKey,
  parameterValidation,
  routeNotFound,
  versionConflict,
} from './errors.js';
import { faultApplies, Idempotency, RequestFault, takeRequestFault } from './faults.js';
import {
  acceptedVersion,
  BodyTooLargeError,
  CONEKTA_CONTENT_TYPE,
  matchPath,
  parseApiKey,
  readBody,
  sendJson,
} from './http.js';
import { newId } from './ids.js';
import { misfitAnswer } from './misfits.js';
import { type OperationId, SERVED_OPERATIONS } from './operations.js';
import type { RequestLogEntry } from './request-log.js';
import type { Sandbox } from './sandbox.js';
import { type Account, fingerprint, type StoredAnswer } from './store.js';

interface ApiAnswer extends StoredAnswer {
  operationId?: OperationId | undefined;
}

interface Routed {
  id: OperationId;
  params: Record<string, string>;
}

function route(method: string, path: string): Routed | undefined {
  for (const operation of SERVED_OPERATIONS) {
    if (operation.method !== method.toLowerCase()) continue;
    const params = matchPath(operation.path, path);
    if (params) return { id: operation.id, params };
  }
  return undefined;
}

function parseJsonObject(raw: Buffer): unknown {
  if (raw.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch (cause) {
    throw malformedRequest(`The request body is not valid JSON: ${(cause as Error).message}`, cause);
  }
  // the order_request schema has no `type: object`; Conekta wants an object anyway
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw malformedRequest('The request body must be a JSON object.');
  }
  return parsed;
}

function errorAnswer(sandbox: Sandbox, error: unknown, where: string, lang: Lang, id?: OperationId) {
  if (!(error instanceof ConektaApiError)) {
    sandbox.log(`INTERNAL ERROR (sandbox bug) on ${where}: ${(error as Error).stack ?? error}`);
  }
  const known = error instanceof ConektaApiError ? error : apiFailure();
  return { operationId: id, status: known.status, body: errorBody(known, lang, newId.mongo()) };
}

async function requestBody(request: IncomingMessage): Promise<Buffer> {
  try {
    return await readBody(request);
  } catch (cause) {
    if (cause instanceof BodyTooLargeError) throw malformedRequest(cause.message, cause);
    throw cause;
  }
}

/** The next misfit_next kind, applied to this answer if it can carry it (the work is done). */
function withMisfit(sandbox: Sandbox, account: Account, answer: ApiAnswer, note: RequestLogEntry): ApiAnswer {
  const [kind, ...rest] = sandbox.faults.misfit_next;
  if (!kind || answer.status !== 200 || !faultApplies(sandbox.faults, answer.operationId)) return answer;
  const ownId = (answer.body as { id?: unknown }).id;
  const other = sandbox.store.ordersOf(account).find((order) => order.id !== ownId)?.id ?? newId.order();
  const altered = misfitAnswer(answer.body, kind, other);
  if (!altered) return answer;
  sandbox.faults = { ...sandbox.faults, misfit_next: rest };
  note.misfit = kind;
  return { ...answer, body: altered };
}

/** Contract checks, then the operation; never throws (failures are Conekta's error bodies). */
async function perform(
  sandbox: Sandbox,
  call: { request: IncomingMessage; url: URL; lang: Lang; found: Routed; account: Account },
  note: RequestLogEntry,
): Promise<ApiAnswer> {
  const { request, url, lang, found, account } = call;
  let answer: ApiAnswer;
  try {
    const { contract } = sandbox;
    const raw = await requestBody(request);
    const body = contract.operation(found.id).requestSchema ? parseJsonObject(raw) : undefined;
    const query = contract.checkQuery(found.id, url.searchParams);
    const problems = [
      ...query.problems,
      ...(body === undefined ? [] : contract.checkRequestBody(found.id, body)),
    ];
    if (problems.length > 0) throw parameterValidation(problems);
    const args = {
      sandbox,
      account,
      params: found.params,
      query: query.values,
      body,
      headers: request.headers,
    };
    answer = { operationId: found.id, status: 200, body: await API_HANDLERS[found.id](args) };
  } catch (error) {
    answer = errorAnswer(sandbox, error, `${request.method} ${url.pathname}`, lang, found.id);
  }
  return withMisfit(sandbox, account, answer, note);
}

/** With idempotency `honoured`: the POST's Idempotency-Key, if it has one. */
function idempotencyKey(sandbox: Sandbox, request: IncomingMessage): string | undefined {
  if (sandbox.faults.idempotency !== Idempotency.honoured || request.method !== 'POST') return undefined;
  const header = request.headers['idempotency-key'];
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  return value || undefined;
}

/** Auth, version, route, Idempotency-Key replay, then the operation. */
async function processApi(
  sandbox: Sandbox,
  request: IncomingMessage,
  url: URL,
  lang: Lang,
  found: Routed | undefined,
  note: RequestLogEntry,
): Promise<ApiAnswer> {
  const method = request.method ?? 'GET';
  try {
    const auth = parseApiKey(request.headers.authorization);
    if ('problem' in auth) throw auth.problem === 'missing' ? missingKey() : invalidKey();
    if (sandbox.options.revokedKeys.includes(auth.key)) throw invalidKey();
    const { now } = sandbox.clock();
    const key = sandbox.store.resolveKey(auth.key, now);
    if (!key.active) throw invalidKey();
    note.livemode = key.livemode;
    // a wrong version header is Conekta's 409 conflict_error ("version conflict", docs/conekta-api.md §3.2)
    if (acceptedVersion(request.headers.accept) === undefined) throw versionConflict(request.headers.accept);
    if (!found) throw routeNotFound(method, url.pathname);
    const account = sandbox.store.accountOf(key, now);
    const call = { request, url, lang, found, account };
    const replayKey = idempotencyKey(sandbox, request);
    if (!replayKey) return await perform(sandbox, call, note);
    const seen = account.idempotency.get(replayKey);
    if (seen) {
      await readBody(request).catch(() => undefined); // drained, not looked at
      note.idempotent_replay = true;
      return { operationId: found.id, ...(await seen) };
    }
    const work = perform(sandbox, call, note);
    sandbox.store.awaitAnswer(
      account,
      replayKey,
      work.then(({ status, body }) => ({ status, body })),
    );
    const answer = await work;
    sandbox.store.settleAnswer(account, replayKey, { status: answer.status, body: answer.body });
    return answer;
  } catch (error) {
    return errorAnswer(sandbox, error, `${method} ${url.pathname}`, lang, found?.id);
  }
}

/** Sends the answer (500 instead when it breaks the spec) and returns the status sent. */
function sendApi(sandbox: Sandbox, response: ServerResponse, answer: ApiAnswer, lang: Lang): number {
  let { status, body } = answer;
  if (sandbox.options.validateResponses) {
    const { contract } = sandbox;
    const problems = answer.operationId
      ? contract.checkResponse(answer.operationId, status, body)
      : contract.checkSchema('error', body);
    if (problems.length > 0) {
      sandbox.contractViolation(`${answer.operationId ?? 'unrouted'} ${status} response`, problems, body);
      status = 500;
      body = errorBody(apiFailure(), lang, newId.mongo());
    }
  }
  sendJson(response, status, body, CONEKTA_CONTENT_TYPE, {
    'conekta-media-type': 'conekta-v2.3.0; format=application/json',
  });
  return status;
}

function logEntry(request: IncomingMessage, url: URL, found: Routed | undefined): RequestLogEntry {
  const auth = parseApiKey(request.headers.authorization);
  return {
    operation_id: found?.id ?? null,
    method: (request.method ?? 'GET').toUpperCase(),
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    status: null,
    key_fingerprint: 'key' in auth ? fingerprint(auth.key) : null,
    livemode: null,
    at: Date.now(),
  };
}

async function handleApi(sandbox: Sandbox, request: IncomingMessage, response: ServerResponse, url: URL) {
  const lang = langFrom(request.headers['accept-language'] as string | undefined);
  const found = route(request.method ?? 'GET', url.pathname);
  const note = logEntry(request, url, found);
  sandbox.requests.add(note); // filled in as the call goes
  const { signal } = sandbox;
  if (sandbox.faults.latency_ms > 0) await sleep(sandbox.faults.latency_ms, undefined, { signal });
  const { fault, next } = takeRequestFault(sandbox.faults, found?.id);
  sandbox.faults = next;
  const afterProcessing = sandbox.faults.fault_after_processing;
  if (fault) Object.assign(note, { fault, after_processing: afterProcessing });
  if (fault === RequestFault.drop && !afterProcessing) return void request.socket.destroy();
  if (fault === RequestFault.hang && !afterProcessing) return; // stop() destroys the socket

  const failed = (): ApiAnswer => {
    const injected = injectedFailure(sandbox.faults.fail_next_status);
    return { status: injected.status, body: errorBody(injected, lang, newId.mongo()) };
  };
  if (fault === RequestFault.fail && !afterProcessing) {
    note.status = sendApi(sandbox, response, failed(), lang);
    return;
  }
  const answer = await processApi(sandbox, request, url, lang, found, note);
  if (fault === RequestFault.drop) return void request.socket.destroy();
  if (fault === RequestFault.hang) return;
  note.status = sendApi(sandbox, response, fault === RequestFault.fail ? failed() : answer, lang);
}

/**
 * With a state file: whatever the request changed is written before its answer goes out, on every
 * path (API, controls, checkout, errors), since each answer starts with writeHead (end() without
 * it calls writeHead too).
 */
function saveBeforeAnswer(sandbox: Sandbox, response: ServerResponse): void {
  const writeHead = response.writeHead;
  response.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    sandbox.saveState();
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['writeHead'];
}

export function createRequestHandler(sandbox: Sandbox) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    if (sandbox.stateWriter) saveBeforeAnswer(sandbox, response);
    const url = new URL(request.url ?? '/', 'http://sandbox.invalid');
    const path = url.pathname;
    const work =
      path === '/_sandbox' || path.startsWith('/_sandbox/')
        ? handleControl(sandbox, request, response, url)
        : path.startsWith('/checkout/')
          ? handleCheckout(sandbox, request, response, url)
          : handleApi(sandbox, request, response, url);
    work.catch((error: unknown) => {
      if (sandbox.signal.aborted) return; // stopping: sockets are being destroyed
      sandbox.log(
        `INTERNAL ERROR (sandbox bug) on ${request.method} ${path}: ${(error as Error).stack ?? error}`,
      );
      if (!response.headersSent) sendJson(response, 500, { object: 'sandbox_error', message: String(error) });
      else response.destroy();
    });
  };
}
