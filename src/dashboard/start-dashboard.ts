import { createServer } from 'node:http';
import type { Express } from 'express';
import { listenHttp } from '../shared/listen-http.js';

export interface RunningDashboard {
  /** e.g. http://127.0.0.1:3000/ */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Bounds on a slow or stalled client: the board's own requests answer in milliseconds. */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;

/** Listens with the dashboard app on host:port (0: a free port) until `close()`. */
export async function startDashboard(options: { app: Express; host: string; port: number }): Promise<RunningDashboard> {
  const server = createServer(options.app);
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  const listener = await listenHttp(server, options.port, options.host);
  return { url: `${listener.origin}/`, port: listener.port, close: listener.close };
}
