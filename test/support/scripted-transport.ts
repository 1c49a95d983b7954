import type { Transport, TransportRequest } from '../../src/intercom/create-transport.js';

/**
 * A pager's HTTP transport for unit tests: answers each request with the next of `bodies` (JSON,
 * run through the request's real body parser); an Error in the script is thrown instead. `requests`
 * records what was asked, in order.
 */
export function scriptedTransport(bodies: unknown[]): { transport: Transport; requests: Array<{ url: string; body: unknown; endpoint: string }> } {
  const requests: Array<{ url: string; body: unknown; endpoint: string }> = [];
  const transport: Transport = {
    async send<T>(req: TransportRequest<T>): Promise<T> {
      requests.push({ url: req.url, body: req.body, endpoint: req.endpoint });
      const body = bodies[requests.length - 1];
      if (body instanceof Error) throw body;
      if (body === undefined) throw new Error(`no scripted answer for request ${requests.length}`);
      const parsed = req.parse(body);
      if (!parsed.ok) throw new Error(parsed.problem);
      return parsed.value;
    },
    stats: { calls: 0, responses429: 0, retries: 0, callsByEndpoint: {} },
    close: async () => {},
  };
  return { transport, requests };
}
