/**
 * functions/pagos.ts as it answers once the deadline is wired in (docs/gateway.md, "Lambda timeout"):
 * the real handler, unchanged, under middy's early timeout with Pagos's retry-safe 504. Until
 * functions/pagos.ts carries `answerBeforeDeadline()` itself, the gateway tests run this module.
 */
import middy from '@middy/core';
import { handler as pagos } from '../../../../functions/pagos.js';
import { answerBeforeDeadline } from '../../../../lib/http/deadline.js';

const marginMs = process.env.PAGOS_DEADLINE_MARGIN_MS
  ? Number(process.env.PAGOS_DEADLINE_MARGIN_MS)
  : undefined;

export const handler = middy(pagos, answerBeforeDeadline({ ...(marginMs !== undefined && { marginMs }) }));
