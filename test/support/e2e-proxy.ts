/**
 * A forwarding proxy on loopback, as users put in front of Intercom (an API gateway, a corporate
 * egress): requests under `prefix` are forwarded, path below the prefix and query unchanged, headers
 * (Host included) as received, to the current target, and the answer comes back as it is. Anything
 * outside the prefix is answered 404 by the proxy itself, so a client that dropped the prefix fails.
 * The target can be switched between runs, so long-lived workers keep one base URL across sandboxes.
 */
import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface E2eProxy {
  /** The base URL clients are configured with: http://127.0.0.1:<port><prefix>. */
  url: string;
  /** host:port clients address (the Host header they send). */
  host: string;
  setTarget(url: string): void;
  close(): Promise<void>;
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startE2eProxy(options: { prefix: string; target?: string }): Promise<E2eProxy> {
  let target = options.target ?? null;
  const server = createServer((req, res) => {
    void (async () => {
      const path = req.url ?? '/';
      if (target === null || !path.startsWith(`${options.prefix}/`)) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not behind this proxy');
        return;
      }
      const body = await readAll(req);
      const upstream = new URL(path.slice(options.prefix.length), target);
      const forwarded = request(upstream, { method: req.method, headers: req.headers, timeout: 30_000 }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forwarded.on('timeout', () => forwarded.destroy(new Error('upstream timeout')));
      forwarded.on('error', () => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end('bad gateway');
      });
      forwarded.end(body);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${options.prefix}`,
    host: `127.0.0.1:${port}`,
    setTarget(url) {
      target = url;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
