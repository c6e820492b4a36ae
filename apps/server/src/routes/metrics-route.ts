import { timingSafeEqual } from 'node:crypto';
import type { ServerMetrics } from '../services/metrics.js';
import { ServerError } from '../services/server-errors.js';
import type { PatchbayApp } from './app.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * GET /metrics for Prometheus. With METRICS_TOKEN set, a scraper sends it
 * as a bearer token; without it, only this machine may scrape (the socket's
 * own address: a forwarded header cannot claim loopback). Call counts are
 * nobody else's business.
 */
export function registerMetricsRoute(
  app: PatchbayApp,
  metrics: ServerMetrics,
  token: string | undefined,
): void {
  app.get(
    '/metrics',
    { config: { auth: 'none' }, schema: { hide: true } },
    async (request, reply) => {
      if (token !== undefined) {
        const given = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
        const matches =
          given.length === token.length && timingSafeEqual(Buffer.from(given), Buffer.from(token));
        if (!matches)
          throw new ServerError('unauthenticated', 'Send METRICS_TOKEN as a bearer token');
      } else if (!LOOPBACK.has(request.socket.remoteAddress ?? '')) {
        throw new ServerError(
          'metrics_forbidden',
          'Metrics answer this machine only; set METRICS_TOKEN to scrape from elsewhere',
        );
      }
      return reply
        .header('content-type', metrics.registry.contentType)
        .send(await metrics.registry.metrics());
    },
  );
}
