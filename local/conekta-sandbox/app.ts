// Request routing: the Conekta API (auth, Accept, contract checks, faults), the /_sandbox
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
import { RequestFault, takeRequestFault } from './faults.js';
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
import { type OperationId, SANDBOX_OPERATIONS } from './operations.js';
import type { Sandbox } from './sandbox.js';

interface ApiAnswer {
  operationId?: OperationId;
  status: number;
  body: unknown;
}

function route(
  method: string,
  path: string,
): { id: OperationId; params: Record<string, string> } | undefined {
  for (const operation of SANDBOX_OPERATIONS) {
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

/** Auth, version, contract, then the operation; every failure becomes Conekta's error body. */
async function processApi(
  sandbox: Sandbox,
  request: IncomingMessage,
  url: URL,
  lang: Lang,
): Promise<ApiAnswer> {
  const method = request.method ?? 'GET';
  const found = route(method, url.pathname);
  try {
    const auth = parseApiKey(request.headers.authorization);
    if ('problem' in auth) throw auth.problem === 'missing' ? missingKey() : invalidKey();
    if (sandbox.options.revokedKeys.includes(auth.key)) throw invalidKey();
    // a wrong version header is Conekta's 409 conflict_error ("version conflict", notes §3.2)
    if (acceptedVersion(request.headers.accept) === undefined) throw versionConflict(request.headers.accept);
    if (!found) throw routeNotFound(method, url.pathname);
    const { contract } = sandbox;
    let raw: Buffer;
    try {
      raw = await readBody(request);
    } catch (cause) {
      if (cause instanceof BodyTooLargeError) throw malformedRequest(cause.message, cause);
      throw cause;
    }
    const body = contract.operation(found.id).requestSchema ? parseJsonObject(raw) : undefined;
    const query = contract.checkQuery(found.id, url.searchParams);
    const problems = [
      ...query.problems,
      ...(body === undefined ? [] : contract.checkRequestBody(found.id, body)),
    ];
    if (problems.length > 0) throw parameterValidation(problems);
    const account = sandbox.store.account(auth.key, sandbox.clock().now);
    const call = { sandbox, account, params: found.params, query: query.values, body };
    return { operationId: found.id, status: 200, body: await API_HANDLERS[found.id](call) };
  } catch (error) {
    if (!(error instanceof ConektaApiError)) {
      sandbox.log(
        `INTERNAL ERROR (sandbox bug) on ${method} ${url.pathname}: ${(error as Error).stack ?? error}`,
      );
    }
    const known = error instanceof ConektaApiError ? error : apiFailure();
    return { operationId: found?.id, status: known.status, body: errorBody(known, lang, newId.mongo()) };
  }
}

function sendApi(sandbox: Sandbox, response: ServerResponse, answer: ApiAnswer, lang: Lang): void {
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
}

async function handleApi(sandbox: Sandbox, request: IncomingMessage, response: ServerResponse, url: URL) {
  const lang = langFrom(request.headers['accept-language'] as string | undefined);
  const { signal } = sandbox;
  if (sandbox.faults.latency_ms > 0) await sleep(sandbox.faults.latency_ms, undefined, { signal });
  const { fault, next } = takeRequestFault(sandbox.faults);
  sandbox.faults = next;
  const afterProcessing = sandbox.faults.fault_after_processing;
  if (fault === RequestFault.drop && !afterProcessing) return void request.socket.destroy();
  if (fault === RequestFault.hang && !afterProcessing) return; // stop() destroys the socket

  const failed = (): ApiAnswer => {
    const injected = injectedFailure(sandbox.faults.fail_next_status);
    return { status: injected.status, body: errorBody(injected, lang, newId.mongo()) };
  };
  if (fault === RequestFault.fail && !afterProcessing) return sendApi(sandbox, response, failed(), lang);
  const answer = await processApi(sandbox, request, url, lang);
  if (fault === RequestFault.drop) return void request.socket.destroy();
  if (fault === RequestFault.hang) return;
  sendApi(sandbox, response, fault === RequestFault.fail ? failed() : answer, lang);
}

export function createRequestHandler(sandbox: Sandbox) {
  return (request: IncomingMessage, response: ServerResponse): void => {
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
