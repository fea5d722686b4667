// The reverse proxy of bench:flood's "proxy" mode: it passes every request on to the service and appends
// the address of the peer it saw to X-Forwarded-For, as nginx does with
// `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for`. Whatever the client wrote there stays to the
// left; the service, with this proxy's address in server.trusted_proxies, takes the right-most untrusted hop.
import http from 'node:http';
import { listen, type Listening } from '../test/helpers/net.js';

/** Listen on a free loopback port; connect to `target` from `localAddress` (the address the service trusts). */
export function startAppendingProxy(target: string, localAddress: string): Promise<Listening<http.Server>> {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true, localAddress, maxSockets: Infinity });
  const server = http.createServer((req, res) => {
    const peer = req.socket.remoteAddress ?? 'unknown';
    const written = req.headers['x-forwarded-for'];
    const headers = { ...req.headers, 'x-forwarded-for': written ? `${String(written)}, ${peer}` : peer };
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(forward);
  });
  server.on('close', () => agent.destroy());
  return listen(server);
}
