/**
 * Who is calling: the SSRF token of the agent (the `default` client, allowed everything, as with the agent) and
 * the `[[latchkey.clients]]`, each with its own token and policy. A request is identified by the first value of
 * each configured token header; every token is compared, with no early exit, in constant time.
 */
import { ConfigError } from '../config/errors.js';
import type { ClientConfig, SidecarConfig, TokenSpec } from '../config/schema.js';
import { ALLOW_ALL, type PolicyDocument } from './policy.js';
import { TokenError, TokenSource, type TokenSourceOptions, tokenDigest } from './token.js';

export interface Client {
  readonly name: string;
  readonly policy: PolicyDocument;
  /** The default client is allowed everything; its checks are skipped on the hot path. */
  readonly allowAll: boolean;
}

interface RegisteredClient extends Client {
  readonly token: TokenSource;
}

export const DEFAULT_CLIENT_NAME = 'default';

/** The agent's rule: the first of `ssrf_env_variables` that is set gives the token. Latchkey skips empty ones
 * (an empty token would accept an empty header). */
export function resolveSsrfToken(
  variables: readonly string[],
  env: NodeJS.ProcessEnv,
): TokenSpec | undefined {
  for (const name of variables) {
    const value = env[name];
    if (value !== undefined && value !== '') return { kind: 'env', name };
  }
  return undefined;
}

export function missingSsrfTokenMessage(variables: readonly string[]): string {
  return `Could not read SSRF token variable(s) [${variables.join(', ')}]: set one of them to the token (or to file://<path> of a file holding it)`;
}

/** Digests of recently presented header values. Memoizing the digest of what a caller sent involves no secret, so
 * the comparison with the tokens stays constant-time; the map is bounded (cleared when full) against floods. */
const DIGEST_MEMO_SIZE = 256;

/** Two clients with one token would make the second unreachable (and give it the first one's policy). */
function refuseSharedTokens(
  registered: readonly RegisteredClient[],
  config: SidecarConfig,
  ssrf: TokenSpec | undefined,
): void {
  const first = ssrf === undefined ? 0 : 1;
  registered.forEach((client, index) => {
    const other = registered.slice(0, index).find((earlier) => earlier.token.sameTokenAs(client.token));
    if (other === undefined) return;
    const owner =
      registered.indexOf(other) < first && ssrf?.kind === 'env'
        ? `the SSRF token (${ssrf.name})`
        : `client "${other.name}"`;
    throw new ConfigError(
      config.file ?? 'command line',
      `latchkey.clients[${index - first}].token`,
      `is the same token as ${owner}; every client needs its own token`,
    );
  });
}

export class ClientRegistry {
  private readonly clients: RegisteredClient[];
  private readonly digests = new Map<string, Buffer>();
  /** Header values that matched a client's current token, with that client: a caller presenting the same value
   * again is recognised by one map lookup, without hashing. At most one entry per client (the value is the
   * token); emptied whenever a token changes. A value accepted only as a replaced token is not kept: its grace
   * period runs out. */
  private readonly recognised: Map<string, Client>;

  private constructor(clients: RegisteredClient[], recognised: Map<string, Client>) {
    this.clients = clients;
    this.recognised = recognised;
  }

  /** Build the registry; throws TokenError when no token can be read (the caller exits 1). `replacing`: the
   * registry a reload replaces, whose tokens stay valid for the grace period for the clients of the same name. */
  static fromConfig(
    config: SidecarConfig,
    options: Omit<TokenSourceOptions, 'graceMs' | 'pollIntervalMs'>,
    replacing?: ClientRegistry,
  ): ClientRegistry {
    const recognised = new Map<string, Client>();
    const tokenOptions: TokenSourceOptions = {
      ...options,
      graceMs: config.latchkey.tokenGraceSeconds * 1000,
      pollIntervalMs: config.latchkey.tokenReloadIntervalMs,
      onReload: (outcome) => {
        if (outcome.changed) recognised.clear();
        options.onReload?.(outcome);
      },
    };
    const env = options.env ?? process.env;
    const ssrf = resolveSsrfToken(config.ssrfEnvVariables, env);
    if (ssrf === undefined && config.latchkey.clients.length === 0) {
      throw new TokenError(missingSsrfTokenMessage(config.ssrfEnvVariables));
    }
    const registered: RegisteredClient[] = [];
    try {
      if (ssrf !== undefined) {
        registered.push({
          name: DEFAULT_CLIENT_NAME,
          policy: ALLOW_ALL,
          allowAll: true,
          token: new TokenSource(ssrf, tokenOptions),
        });
      }
      for (const client of config.latchkey.clients)
        registered.push(ClientRegistry.register(client, tokenOptions));
      refuseSharedTokens(registered, config, ssrf);
    } catch (error) {
      for (const client of registered) client.token.close();
      throw error;
    }
    for (const client of registered) {
      const older = replacing?.clients.find((candidate) => candidate.name === client.name);
      if (older !== undefined) client.token.succeed(older.token);
    }
    return new ClientRegistry(registered, recognised);
  }

  private static register(client: ClientConfig, options: TokenSourceOptions): RegisteredClient {
    try {
      return {
        name: client.name,
        policy: client.policy,
        allowAll: false,
        token: new TokenSource(client.token, options),
      };
    } catch (error) {
      throw new TokenError(`client ${client.name}: ${(error as Error).message}`);
    }
  }

  /** The client whose token one of `presented` is, if any (the first configured, when several match). */
  identify(presented: readonly string[]): Client | undefined {
    const only = presented.length === 1 ? (presented[0] as string) : undefined;
    if (only !== undefined) {
      const known = this.recognised.get(only);
      if (known !== undefined) return known;
    }
    let found: Client | undefined;
    let asCurrent = false;
    for (const value of presented) {
      const digest = this.digestOf(value);
      for (const client of this.clients) {
        const match = client.token.match(digest);
        if (match !== undefined && found === undefined) {
          found = client;
          asCurrent = match === 'current';
        }
      }
    }
    if (found !== undefined && asCurrent && only !== undefined) this.recognised.set(only, found);
    return found;
  }

  private digestOf(value: string): Buffer {
    let digest = this.digests.get(value);
    if (digest === undefined) {
      if (this.digests.size >= DIGEST_MEMO_SIZE) this.digests.clear();
      digest = tokenDigest(value);
      this.digests.set(value, digest);
    }
    return digest;
  }

  get names(): string[] {
    return this.clients.map((client) => client.name);
  }

  reload(): void {
    for (const client of this.clients) client.token.reload();
  }

  close(): void {
    for (const client of this.clients) client.token.close();
  }
}
