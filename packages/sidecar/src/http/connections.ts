/**
 * Open client connections across every listener: the count behind the 429 check and the gauge, and the set
 * graceful shutdown waits on. At `maxConn`, a new connection closes the oldest one that is not serving a request
 * (one that has not completed a request yet, or an idle keep-alive), so connections opened and left half-sent
 * cannot lock everyone else out; only connections all busy with requests make the 429.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export class ConnectionTracker {
  /** Open connections past which a request is refused (429); reaching it closes a waiting connection first. */
  maxConn: number;
  private readonly sockets = new Set<Socket>();
  /** Connections with no request in progress, in the order they started waiting (oldest first). */
  private readonly waiting = new Set<Socket>();

  constructor(maxConn: number) {
    this.maxConn = maxConn;
  }

  get count(): number {
    return this.sockets.size;
  }

  track(server: Server): void {
    server.on('connection', (socket: Socket) => {
      if (this.sockets.size >= this.maxConn) this.closeOldestWaiting();
      this.sockets.add(socket);
      this.waiting.add(socket);
      socket.once('close', () => {
        this.sockets.delete(socket);
        this.waiting.delete(socket);
      });
    });
  }

  /** A request arrived on `socket`. */
  busy(socket: Socket): void {
    this.waiting.delete(socket);
  }

  /** `socket`'s answer was sent: it waits for the next request, as the newest waiting connection. */
  idle(socket: Socket): void {
    if (this.sockets.has(socket)) this.waiting.add(socket);
  }

  private closeOldestWaiting(): void {
    for (const socket of this.waiting) {
      this.waiting.delete(socket);
      this.sockets.delete(socket);
      socket.destroy();
      return;
    }
  }

  destroyAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }
}
