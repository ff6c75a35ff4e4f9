// Stops the DynamoDB Local that global-setup started (none when AWS_ENDPOINT_URL_DYNAMODB was preset).
export default async function globalTeardown() {
  const ddb = globalThis.__PAGOS_DYNAMODB__;
  globalThis.__PAGOS_DYNAMODB__ = undefined;
  await ddb?.stop();
}
