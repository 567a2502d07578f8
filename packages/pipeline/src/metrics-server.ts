import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { childLogger, type Logger, OpenSensorError, silentLogger } from '@opensensor/errors';
import { type BuildInfo, collectStationMetrics, type MetricSample, STATION_METRICS } from './metrics.js';
import type { Station } from './station.js';

export interface MetricsServerOptions {
  station: Station;
  /** Address to listen on (OPENSENSOR_METRICS_HOST). */
  host: string;
  /** OPENSENSOR_METRICS_PORT; 0 picks a free port (tests). */
  port: number;
  build: BuildInfo;
  /** Add prom-client's default process and Node.js metrics (`process_*`, `nodejs_*`). Default true. */
  defaultMetrics?: boolean;
  /** Wall clock for the age metrics; default Date.now. */
  now?: () => number;
  logger?: Logger;
}

export interface MetricsServer {
  /** `http://host:port` as it listens. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const EVENT_LOOP_RESOLUTION_MS = 1000;

/** The endpoint could not listen (the port is taken, the address is not this machine's). */
export class MetricsServerError extends OpenSensorError {
  override readonly name = 'MetricsServerError';
  /** The listen error's errno code (`EADDRINUSE`), or `LISTEN`. */
  constructor(message: string, code: string) {
    super(code, message);
  }
}

/**
 * Serves `/metrics` (Prometheus text format) and `/healthz` for a running station. prom-client is
 * loaded here, so an agent without OPENSENSOR_METRICS_PORT never loads it. Every station metric is
 * computed when scraped, from counters and state the station keeps anyway: nothing runs per reading.
 */
export async function serveStationMetrics(o: MetricsServerOptions): Promise<MetricsServer> {
  // node:http too: importing it costs an agent without metrics about 0.7 MB RSS (docs/performance.md).
  const { createServer } = await import('node:http');
  const prom = await import('prom-client');
  const registry = new prom.Registry();
  // prom-client samples the event loop delay with a timer every 10 ms by default: a hundred wake-ups a
  // second doubled the idle agent's CPU (docs/performance.md, "Metrics endpoint"). Once a second still
  // shows a stalled loop, which is what matters on a station.
  if (o.defaultMetrics !== false)
    prom.collectDefaultMetrics({
      register: registry,
      eventLoopMonitoringPrecision: EVENT_LOOP_RESOLUTION_MS,
    });
  const now = o.now ?? Date.now;
  // Computed once per scrape, before the registry asks each metric to collect.
  let current = new Map<string, MetricSample[]>();
  const samplesOf = (name: string) => current.get(name) ?? [];
  // The station's metrics are registered as collect-time families (what prom-client's own metric
  // classes cannot express: a metric without a sample here is left out, not shown as 0).
  for (const def of STATION_METRICS) {
    const family = {
      name: def.name,
      help: def.help,
      type: def.type,
      aggregator: 'sum',
      get: async () => ({
        name: def.name,
        help: def.help,
        type: def.type,
        aggregator: 'sum',
        values: samplesOf(def.name).map((s) => ({ labels: s.labels ?? {}, value: s.value })),
      }),
      reset: () => {},
    };
    registry.registerMetric(family as unknown as Parameters<typeof registry.registerMetric>[0]);
  }
  const log = childLogger(o.logger ?? silentLogger, { component: 'metrics' });

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res
        .writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' })
        .end('method not allowed\n');
      return;
    }
    if (path === '/healthz') {
      const h = o.station.health();
      res
        .writeHead(h.ok ? 200 : 503, {
          'content-type': 'text/plain; charset=utf-8',
          'cache-control': 'no-store',
        })
        .end(h.ok ? 'ok\n' : `unhealthy: ${h.reason}\n`);
      return;
    }
    if (path === '/metrics') {
      current = collectStationMetrics({ station: o.station, build: o.build, now: now() });
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' }).end(text);
        },
        (err: unknown) => {
          log.error('metrics could not be collected', { err });
          res
            .writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })
            .end('metrics could not be collected\n');
        },
      );
      return;
    }
    res
      .writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
      .end('not found: the agent serves /metrics and /healthz\n');
  });
  // A scraper that keeps connections open must not hold the agent's exit.
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(
        new MetricsServerError(
          err.code === 'EADDRINUSE'
            ? `the metrics endpoint cannot listen on ${o.host}:${o.port}: the port is in use; set OPENSENSOR_METRICS_PORT to a free port`
            : `the metrics endpoint cannot listen on ${o.host}:${o.port}: ${err.message}; check OPENSENSOR_METRICS_HOST`,
          err.code ?? 'LISTEN',
        ),
      );
    };
    server.once('error', onError);
    server.listen(o.port, o.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (err) => log.error('metrics endpoint error', { err }));
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
