import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpListener {
  port: number;
  /** `http://host:port` with the host as given (an IPv6 address in brackets). */
  origin: string;
  /** Stops listening and drops the connections still open (keep-alive sockets would hold it open); once, however often called. */
  close(): Promise<void>;
}

/**
 * Starts `server` on host:port (port 0: a free one), rejecting with the listen error (EADDRINUSE,
 * EADDRNOTAVAIL) instead of emitting it; for the dashboard, the metrics endpoint and the sandbox.
 */
export async function listenHttp(server: Server, port: number, host: string): Promise<HttpListener> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    port: bound,
    origin: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
