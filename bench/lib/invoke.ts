/** A handler as the bench calls it: API Gateway v2 event in, the structured result out. */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

export type HttpResult = { statusCode?: number; body?: string };
export type Invoke = (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResult>;

/** Middy's handler type, seen as the plain call the bench makes. */
export const asInvoke = (handler: unknown): Invoke => handler as Invoke;
