/** Reference for cold start: an empty handler plus Powertools Logger and Metrics, as every function has. */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

const logger = new Logger({ serviceName: 'bench' });
const metrics = new Metrics({ namespace: 'Bench' });

export const handler = async () => ({
  statusCode: 200,
  body: JSON.stringify({ ok: Boolean(logger && metrics) }),
});
