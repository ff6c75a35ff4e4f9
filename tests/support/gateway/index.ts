/** The HTTP API + Lambda stand-in: see server.ts (gateway), runner.ts (functions), docs/gateway.md (sources). */
export { GatewayAnswers, HTTP_API_MAX_PAYLOAD_BYTES, LAMBDA_MAX_SYNC_PAYLOAD_BYTES } from './answers.js';
export { bodyIsText, buildEvent, gatherHeaders, queryParameters } from './events.js';
export { answerFromResult } from './results.js';
export type { FunctionSettings, Invocation, InvocationOutcome } from './runner.js';
export { type Gateway, type GatewayOptions, type RouteSettings, startGateway } from './server.js';
