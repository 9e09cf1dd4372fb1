import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local HTTP proxy on 127.0.0.1 that answers every CONNECT with `status` (407 or 403). */
export async function startRefusingProxy(status: 407 | 403): Promise<{ url: string; connects: () => number; close(): Promise<void> }> {
  let connects = 0;
  const server = http.createServer((_req, res) => {
    res.writeHead(status);
    res.end();
  });
  server.on('connect', (_req, socket) => {
    connects++;
    const reason = status === 407 ? 'Proxy Authentication Required' : 'Forbidden';
    socket.end(`HTTP/1.1 ${status} ${reason}\r\n${status === 407 ? 'Proxy-Authenticate: Basic realm="corp"\r\n' : ''}Content-Length: 0\r\n\r\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    connects: () => connects,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
