/**
 * The two applications that query the database while its secret rotates.
 * - `SdkApp`: a Node.js app on the SDK's pool helper (credentials from a `SecretsCache`, refreshed and retried
 *   when a login is refused). It drops every n-th connection, so new logins keep happening.
 * - `SidecarClient`: an app in any language: it asks the sidecar over HTTP for the secret before every new
 *   connection, logs in with what it got, runs a few queries and disconnects. It has no retry logic of its own.
 * Failures are counted, never thrown: the run reports them and the checks decide.
 */
import type { Connection, Credentials, Database, SecretPool } from './databases.js';
import { pause } from './wait.js';

/** A failed query (or the login before it), at `performance.now()` time. */
export interface Failure {
  readonly at: number;
  /** The server refused the credentials. */
  readonly auth: boolean;
  /** The driver's error code (never the message: a server message can quote a statement). */
  readonly code: string;
  /** The secret version whose credentials were used, when the client knows it. */
  readonly versionId?: string;
}

export interface ClientCounts {
  readonly queries: number;
  readonly connections: number;
  readonly failures: readonly Failure[];
}

/** How long a client waits after a failure before it tries again (a client's backoff, not a test wait). */
const RETRY_BACKOFF_MS = 25;

const codeOf = (error: unknown): string => String((error as { code?: unknown } | null)?.code ?? 'unknown');

abstract class TrafficLoop implements ClientCounts {
  queries = 0;
  connections = 0;
  readonly failures: Failure[] = [];
  #running: Promise<void>[] = [];
  #stopped = false;

  constructor(protected readonly db: Database) {}

  start(workers: number): void {
    this.#running = Array.from({ length: workers }, () => this.#loop());
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.#running);
  }

  protected abstract round(): Promise<void>;

  protected fail(at: number, error: unknown, versionId?: string): Promise<void> {
    this.failures.push({ at, auth: this.db.isAuthError(error), code: codeOf(error), versionId });
    return pause(RETRY_BACKOFF_MS);
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) await this.round();
  }
}

export class SdkApp extends TrafficLoop {
  #checkouts = 0;

  constructor(
    db: Database,
    private readonly pool: SecretPool,
    private readonly usesPerConnection: number,
  ) {
    super(db);
  }

  protected async round(): Promise<void> {
    const at = performance.now();
    let connection: Connection;
    try {
      connection = await this.pool.checkout();
    } catch (error) {
      return this.fail(at, error);
    }
    const discard = ++this.#checkouts % this.usesPerConnection === 0;
    try {
      await connection.query();
      this.queries += 1;
    } catch (error) {
      await this.fail(at, error);
    } finally {
      if (discard) this.connections += 1;
      await connection.release(discard).catch(() => undefined);
    }
  }

  override async stop(): Promise<void> {
    await super.stop();
    await this.pool.end();
  }
}

interface SidecarSecret extends Credentials {
  readonly versionId: string;
}

export class SidecarClient extends TrafficLoop {
  /** When this client first received each version from the sidecar. */
  readonly firstSeen = new Map<string, number>();
  /** The versions this client has run a query with. */
  readonly queriedWith = new Set<string>();

  constructor(
    db: Database,
    private readonly sidecar: { readonly url: string; readonly token: string },
    private readonly secretId: string,
    private readonly queriesPerConnection: number,
  ) {
    super(db);
  }

  protected async round(): Promise<void> {
    const at = performance.now();
    let secret: SidecarSecret;
    try {
      secret = await this.#fetchSecret();
    } catch (error) {
      return this.fail(at, error);
    }
    const loginAt = performance.now();
    if (!this.firstSeen.has(secret.versionId)) this.firstSeen.set(secret.versionId, loginAt);
    let connection: Connection;
    try {
      connection = await this.db.connect(secret);
    } catch (error) {
      return this.fail(loginAt, error, secret.versionId);
    }
    this.connections += 1;
    try {
      for (let i = 0; i < this.queriesPerConnection; i++) {
        await connection.query();
        this.queries += 1;
        this.queriedWith.add(secret.versionId);
      }
    } catch (error) {
      await this.fail(performance.now(), error, secret.versionId);
    } finally {
      await connection.release(true).catch(() => undefined);
    }
  }

  /** GET /secretsmanager/get with the token, as any agent client does. */
  async #fetchSecret(): Promise<SidecarSecret> {
    const response = await fetch(
      `${this.sidecar.url}/secretsmanager/get?secretId=${encodeURIComponent(this.secretId)}`,
      { headers: { 'X-Aws-Parameters-Secrets-Token': this.sidecar.token } },
    );
    if (!response.ok) {
      await response.body?.cancel();
      throw Object.assign(new Error(`the sidecar answered ${response.status}`), {
        code: `HTTP ${response.status}`,
      });
    }
    const body = (await response.json()) as { VersionId: string; SecretString: string };
    const { username, password } = JSON.parse(body.SecretString) as Credentials;
    return { versionId: body.VersionId, username, password };
  }
}
