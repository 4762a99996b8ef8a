/** A TCP port that was free a moment ago on 127.0.0.1 (for a process that must be told its port in advance). */
import { randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';

/** The lowest port handed out: clear of the well-known ports and of most services' defaults. */
const LOWEST = 10_000;

/**
 * The first port of the kernel's ephemeral range, from which every bind to port 0 and every outgoing connection
 * takes its port (Linux: net.ipv4.ip_local_port_range; elsewhere the range starts at 32768 or above).
 */
async function ephemeralStart(): Promise<number> {
  const range = await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').catch(() => '');
  const start = Number.parseInt(range, 10);
  return Number.isInteger(start) && start > LOWEST ? start : 32_768;
}

function bindable(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Picked below the ephemeral range: a port from that range, once closed, can go to another test's outgoing
 * connection or port-0 server before the process told about it binds it (seen as the Lambda extension's
 * Extension.PortUnavailable while other test files ran beside it). Below it, only a process asking for that very
 * port can take it.
 */
export async function freePort(): Promise<number> {
  const end = await ephemeralStart();
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = randomInt(LOWEST, end);
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port on 127.0.0.1 between ${LOWEST} and ${end} after 100 tries`);
}
