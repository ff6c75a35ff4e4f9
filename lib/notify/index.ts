/** Storefront notifications: what handlers, the sweeper Lambda, the CLI and the local stack use. */
export { type NotifyConfig, NotifyConfigError, readNotifyConfig } from './config.js';
export {
  DeliveryFailure,
  type DeliveryResult,
  postNotification,
  type Resolver,
  systemResolver,
} from './delivery.js';
export { type LocalSweeper, type LocalSweeperOptions, startLocalSweeper } from './local.js';
export type { NotificationOutbox, OutboxEntry } from './outbox.js';
export { DEFAULT_RETRY_SCHEDULE_SECONDS, parseRetrySchedule } from './schedule.js';
export { SIGNATURE_HEADER, signatureHeader } from './signature.js';
export {
  type AttemptResult,
  type DeliveryDeps,
  deliverNotificationNow,
  deliverPreclaimed,
  type NotifierDeps,
  type RecorderDeps,
  type SweepReport,
  sweepNotifications,
} from './sweeper.js';
export { checkNotificationUrl, disallowedAddress } from './url-safety.js';
