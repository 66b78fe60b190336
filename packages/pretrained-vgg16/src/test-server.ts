// Test helper (not exported): a local HTTP server on 127.0.0.1 that serves files and can drop a
// connection mid-body, to test downloads without the internet.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the server answers a request for a path. */
export interface Route {
  body: Uint8Array;
  /** Drop the connection after this many body bytes, on the first `dropTimes` requests (default 1). */
  dropAfter?: number;
  dropTimes?: number;
  /** Ignore Range headers (answer 200 with the whole body). */
  ignoreRange?: boolean;
}

/** A running test server: its base URL, the requests it saw, and close(). */
export interface TestServer {
  baseUrl: string;
  requests: { path: string; range?: string }[];
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1 on a free port serving `routes` (path -> route). */
export async function startTestServer(routes: Record<string, Route>): Promise<TestServer> {
  const requests: TestServer['requests'] = [];
  const drops = new Map<string, number>();
  const server: Server = createServer((req: IncomingMessage, res) => {
    const path = req.url ?? '/';
    requests.push({ path, range: req.headers.range });
    const route = routes[path];
    if (!route) {
      res.writeHead(404).end('not found');
      return;
    }
    const total = route.body.length;
    let start = 0;
    const m = !route.ignoreRange && req.headers.range ? /^bytes=(\d+)-$/.exec(req.headers.range) : null;
    if (m) {
      start = Number(m[1]);
      if (start >= total) {
        res.writeHead(416, { 'Content-Range': `bytes */${total}` }).end();
        return;
      }
      res.writeHead(206, {
        'Content-Length': total - start,
        'Content-Range': `bytes ${start}-${total - 1}/${total}`,
      });
    } else {
      res.writeHead(200, { 'Content-Length': total });
    }
    const dropped = drops.get(path) ?? 0;
    if (route.dropAfter !== undefined && dropped < (route.dropTimes ?? 1)) {
      drops.set(path, dropped + 1);
      const upTo = Math.min(total, start + route.dropAfter);
      res.write(Buffer.from(route.body.subarray(start, upTo)), () => {
        setTimeout(() => res.socket?.destroy(), 20);
      });
      return;
    }
    res.end(Buffer.from(route.body.subarray(start)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
