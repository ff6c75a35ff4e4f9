/**
 * The sweeper for the local stack (`npm start`): the same sweep as the Lambda, on a short
 * interval, against DynamoDB Local. Local mode is on unless PAGOS_LOCAL_MODE=false, since the
 * storefront under development usually listens on localhost.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createLogger } from '../http/logger.js';
import { DynamoNotificationOutbox } from '../store/notifications.js';
import { NotifyConfigError, readNotifyConfig } from './config.js';
import { type NotifyLog, sweepNotifications } from './sweeper.js';

export type LocalSweeperOptions = {
  intervalMs: number;
  /** Where AWS_ENDPOINT_URL_DYNAMODB, PAYMENTS_TABLE and NOTIFICATION_SIGNING_SECRET come from; process.env by default. */
  env?: NodeJS.ProcessEnv;
  log?: NotifyLog;
};

export type LocalSweeper = { stop(): Promise<void> };

export function startLocalSweeper(options: LocalSweeperOptions): LocalSweeper {
  const env = options.env ?? process.env;
  // The Lambda's logger: the same redacted JSON lines as in AWS.
  const log = options.log ?? createLogger('pagos-notifications', env.POWERTOOLS_LOG_LEVEL || env.LOG_LEVEL);
  const endpoint = env.AWS_ENDPOINT_URL_DYNAMODB;
  // A local process must never sweep a real table.
  if (!endpoint)
    throw new NotifyConfigError('the local sweeper needs AWS_ENDPOINT_URL_DYNAMODB (DynamoDB Local)');
  const config = readNotifyConfig({ ...env, PAGOS_LOCAL_MODE: env.PAGOS_LOCAL_MODE ?? 'true' });
  if (!config.signingSecret)
    throw new NotifyConfigError('the local sweeper needs NOTIFICATION_SIGNING_SECRET');
  const client = new DynamoDBClient({
    endpoint,
    region: env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const deps = {
    outbox: new DynamoNotificationOutbox(client, env.PAYMENTS_TABLE || 'pagos-local-payments'),
    config,
    log,
  };

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let lastError = '';
  const tick = () => {
    running = sweepNotifications(deps)
      .then(() => {
        lastError = '';
      })
      .catch((error: Error) => {
        // Said once per distinct problem, not every interval (DynamoDB Local restarting, say).
        if (error.message !== lastError)
          log.error('local notification sweep failed', { error: error.message });
        lastError = error.message;
      })
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, options.intervalMs);
      });
  };
  timer = setTimeout(tick, 0);

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      client.destroy();
    },
  };
}
