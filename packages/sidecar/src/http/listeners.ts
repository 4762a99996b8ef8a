/**
 * The sockets the sidecar listens on: TCP on each `bind` address (default 127.0.0.1 and ::1) at `http_port`, and
 * optionally a Unix socket created with a given mode. All share one request handler and one connection count.
 */
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConnectionTracker } from './connections.js';

export type ListenerAddress =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'unix'; readonly path: string };

export interface Listener {
  readonly server: Server;
  readonly address: ListenerAddress;
}

export interface ListenOptions {
  readonly bind: readonly string[];
  readonly port: number;
  readonly unixSocket: string | undefined;
  readonly unixSocketMode: number;
  /** Sockets past this per listener are dropped by the accept loop (below it, the tracker closes waiting connections
   * and the router answers 429). */
  readonly maxSockets: number;
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  readonly connections: ConnectionTracker;
  /** Called when an optional address (::1 on a host without IPv6) cannot be bound. */
  readonly onSkipped?: (address: string, error: Error) => void;
}

export class BindError extends Error {
  readonly code = 'BindError';
  constructor(address: string, cause: Error) {
    super(`Could not bind to ${address}: ${cause.message}`, { cause });
    this.name = 'BindError';
  }
}

const IPV6_UNAVAILABLE = new Set(['EADDRNOTAVAIL', 'EAFNOSUPPORT']);

function newServer(options: ListenOptions): Server {
  const server = createServer(
    {
      keepAliveTimeout: 5_000,
      // Slow clients: the headers must arrive within 5 s and the whole request within 30 s, checked every second
      // (Node's default check, every 30 s, would let a half-sent request hold its connection for up to 35 s).
      headersTimeout: 5_000,
      requestTimeout: 30_000,
      connectionsCheckingInterval: 1_000,
      noDelay: true,
    },
    options.handler,
  );
  server.maxConnections = options.maxSockets;
  // Every header is recorded, so none escapes the router's checks (it refuses more than MAX_HEADERS).
  server.maxHeadersCount = 0;
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    // Malformed requests get the standard 400 (431 for huge headers) and the socket is closed.
    if (socket.writable && !socket.writableEnded) {
      const status =
        error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    }
    socket.destroy();
  });
  options.connections.track(server);
  return server;
}

function listen(server: Server, target: { host: string; port: number } | { path: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(target, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** A stale socket file from a previous run is removed; any other file in the way is an error. */
function clearStaleSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

export async function openListeners(options: ListenOptions): Promise<Listener[]> {
  const listeners: Listener[] = [];
  try {
    let port = options.port;
    for (const host of options.bind) {
      const server = newServer(options);
      try {
        await listen(server, { host, port });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? '';
        if (host === '::1' && IPV6_UNAVAILABLE.has(code) && listeners.length > 0) {
          options.onSkipped?.(host, error as Error);
          continue;
        }
        throw new BindError(`${host.includes(':') ? `[${host}]` : host}:${port}`, error as Error);
      }
      // With port 0, every address gets the port the first one was given, so clients see one port.
      port = (server.address() as AddressInfo).port;
      listeners.push({ server, address: { kind: 'tcp', host, port } });
    }
    if (options.unixSocket !== undefined) {
      const path = options.unixSocket;
      const server = newServer(options);
      clearStaleSocket(path);
      // The umask makes the socket come into existence with the requested mode: no window with looser access.
      const umask = process.umask(0o777 & ~options.unixSocketMode);
      try {
        await listen(server, { path });
      } catch (error) {
        throw new BindError(path, error as Error);
      } finally {
        process.umask(umask);
      }
      chmodSync(path, options.unixSocketMode);
      listeners.push({ server, address: { kind: 'unix', path } });
    }
  } catch (error) {
    await closeListeners(listeners, 0);
    throw error;
  }
  return listeners;
}

/** Stop accepting, let in-flight requests finish, close idle keep-alive connections; after `graceMs`, cut the rest. */
export async function closeListeners(listeners: readonly Listener[], graceMs: number): Promise<void> {
  const closed = listeners.map(
    ({ server }) =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  );
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      for (const { server } of listeners) server.closeAllConnections();
      resolve();
    }, graceMs);
  });
  await Promise.race([Promise.all(closed), deadline]);
  clearTimeout(timer);
  await Promise.all(closed);
}
