// The METRICS_PORT listener: `/metrics` on a port of its own, bound to METRICS_HOST (loopback by
// default), so Prometheus can scrape an instance that its API clients cannot (decision 0022).
// It serves nothing else; other paths answer 404 problem+json, like the API's unknown routes.
import Fastify, { LogController } from 'fastify';
import type { AddressInfo } from 'node:net';
import { AppError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { metricsRoutes } from './health.ts';
import { sendProblem } from './problem.ts';
import type { HttpServer } from './server.ts';

export interface MetricsServer {
  /** Binds the listener; resolves with the port it got (METRICS_PORT=0 asks for any free one). */
  listen(port: number, host: string): Promise<number>;
  close(): Promise<void>;
}

export async function createMetricsServer(opts: { metrics: Metrics; token?: string; log: Logger }): Promise<MetricsServer> {
  const app = Fastify({
    loggerInstance: opts.log,
    logController: new LogController({ disableRequestLogging: true }),
    connectionTimeout: 10_000,
    requestTimeout: 10_000,
    // Scrapers keep connections open between scrapes; shutdown must not wait for them.
    forceCloseConnections: true,
  }) as unknown as HttpServer;
  app.setErrorHandler((err, request, reply) => sendProblem(reply, request, err));
  app.setNotFoundHandler((request, reply) => sendProblem(reply, request, new AppError('not_found', 'NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0]}`)));
  await app.register(metricsRoutes({ metrics: opts.metrics, token: opts.token }));
  await app.ready();
  return {
    async listen(port, host) {
      await app.listen({ port, host });
      return (app.server.address() as AddressInfo).port;
    },
    close: () => app.close(),
  };
}
