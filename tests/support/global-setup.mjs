// One DynamoDB Local for the whole jest run; test files isolate themselves with their own table names.
// Plain .mjs because jest loads global setup outside its ESM runtime (as CommonJS, without the ".js" ->
// ".ts" mapping); tsx loads the TypeScript launcher instead, scoped to this import.
import { tsImport } from 'tsx/esm/api';

export default async function globalSetup() {
  process.env.AWS_REGION ??= 'us-east-1';
  // Fake, so no test can ever reach a real AWS account.
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  if (process.env.AWS_ENDPOINT_URL_DYNAMODB) return; // reuse a server the caller already runs
  const { startDynamoDbLocal } = await tsImport('../../local/dynamodb-local.ts', import.meta.url);
  const ddb = await startDynamoDbLocal();
  globalThis.__PAGOS_DYNAMODB__ = ddb;
  // Set in the parent before workers start, so every worker inherits it.
  process.env.AWS_ENDPOINT_URL_DYNAMODB = ddb.endpoint;
}
