import { createServer } from 'node:http';
import type { Registry } from 'prom-client';
import { listenHttp } from '../shared/listen-http.js';

export interface MetricsServer {
  /** e.g. http://127.0.0.1:9464/metrics */
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface StartMetricsServerOptions {
  registry: Registry;
  /** Default 127.0.0.1; 0.0.0.0 inside a container so Prometheus on the network can scrape it. */
  host?: string;
  /** 0: a free port. */
  port: number;
}

/** A scrape that takes longer than this (a collect stuck on Redis) is cut off rather than left open. */
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Serves `GET /metrics` in the Prometheus text format (node:http, nothing else on it). The metrics
 * hold counts only, no secrets, which is why binding beyond loopback needs no authentication.
 */
export async function startMetricsServer(options: StartMetricsServerOptions): Promise<MetricsServer> {
  const { registry } = options;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found: metrics are at /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'Content-Type': registry.contentType }).end(req.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`metrics unavailable: ${(err as Error).name}\n`);
      },
    );
  });
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = REQUEST_TIMEOUT_MS;
  const host = options.host ?? '127.0.0.1';
  const listener = await listenHttp(server, options.port, host);
  return { url: `${listener.origin}/metrics`, port: listener.port, close: listener.close };
}
