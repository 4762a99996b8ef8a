/** Open client connections across every listener: the count behind the 429 check and the gauge, and the set
 * graceful shutdown waits on. */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export class ConnectionTracker {
  private readonly sockets = new Set<Socket>();

  get count(): number {
    return this.sockets.size;
  }

  track(server: Server): void {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  destroyAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }
}
