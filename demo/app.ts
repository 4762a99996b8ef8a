/**
 * The demo app: a Node.js service reading its database credentials through the sidecar with the SDK
 * (`AgentSource`), querying through the SDK's `pg` pool helper, which takes the current credentials for every new
 * connection and retries a refused login with a fresh secret. It reports every few seconds how it is doing.
 */
import { AgentSource, SecretsCache } from '@latchkey/sdk';
import { createPgPool } from '@latchkey/sdk/pg';
import { short } from './rotation-schedule.js';

export interface DemoApp {
  stop(): Promise<void>;
}

export interface DemoAppOptions {
  readonly sidecarUrl: string;
  readonly token: string;
  readonly secretId: string;
  readonly queryEveryMs: number;
  readonly reportEveryMs: number;
}

export async function startDemoApp(options: DemoAppOptions, say: (line: string) => void): Promise<DemoApp> {
  const cache = new SecretsCache({
    source: new AgentSource({ endpoint: options.sidecarUrl, token: options.token }),
    closeSource: true,
    // The sidecar caches too; a short TTL here keeps the app within seconds of what the sidecar serves.
    ttl: '1s',
  });
  // New connections regularly (maxUses), so new credentials are used as soon as the cache has them.
  const pool = await createPgPool({ cache, secretId: options.secretId, max: 2, maxUses: 20 });
  pool.on('error', () => undefined);

  let queries = 0;
  let failures = 0;
  let lastError = '';
  let user = '';
  const query = async () => {
    try {
      const result = await pool.query<{ current_user: string }>('SELECT current_user');
      user = result.rows[0]?.current_user ?? user;
      queries += 1;
    } catch (error) {
      failures += 1;
      lastError = (error as { code?: string }).code ?? (error as Error).name;
    }
  };
  // One query at a time: a tick that finds the previous query still running skips.
  let inFlight: Promise<void> | undefined;
  const queryTimer = setInterval(() => {
    inFlight ??= query().finally(() => {
      inFlight = undefined;
    });
  }, options.queryEveryMs);
  let reported = { queries: 0, failures: 0 };
  const reportTimer = setInterval(() => {
    const version = cache.peek(options.secretId)?.value.versionId;
    say(
      `app: ${queries - reported.queries} queries in the last ${options.reportEveryMs / 1000} s, ` +
        `${failures - reported.failures} failed${failures > reported.failures ? ` (${lastError})` : ''}; ` +
        `${queries} in all, as ${user || '?'} with version ${short(version) || '?'}`,
    );
    reported = { queries, failures };
  }, options.reportEveryMs);

  return {
    async stop() {
      clearInterval(queryTimer);
      clearInterval(reportTimer);
      await inFlight;
      await pool.end();
      await cache.close();
    },
  };
}
