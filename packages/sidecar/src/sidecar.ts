/**
 * The sidecar process: tokens and clients, the caches, the listeners, prefetch and readiness, reload and graceful
 * shutdown. `Sidecar.start` is what `latchkey serve` and `latchkey dev` run, and what tests start in-process.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Registry } from 'prom-client';
import { AuditLog, type LineSink } from './audit/audit-log.js';
import { ClientRegistry } from './auth/clients.js';
import type { SidecarConfig } from './config/schema.js';
import { keysWaitingForRestart } from './config/settings.js';
import { SecretBodyRenderer } from './http/bodies/secret-body.js';
import { ConnectionTracker } from './http/connections.js';
import type { HandlerContext } from './http/context.js';
import { closeListeners, type Listener, type ListenerAddress, openListeners } from './http/listeners.js';
import { createRequestHandler } from './http/router.js';
import { createLogger, type Logger } from './logger.js';
import { SidecarMetrics } from './metrics.js';
import { CredentialStatus } from './upstream/credentials.js';
import type { ParameterReader } from './upstream/parameters.js';
import { Prefetcher } from './upstream/prefetch.js';
import { type SecretReader, type SecretReaderFactory, SecretReaders } from './upstream/readers.js';

export interface ReaderDependencies {
  readonly registry: Registry;
  readonly logger: Logger;
}

export interface SidecarOptions {
  readonly config: SidecarConfig;
  /** Builds the cache for the sidecar's credentials (roleArn undefined) and for each assumed role. */
  readonly readers: (config: SidecarConfig, deps: ReaderDependencies) => SecretReaderFactory;
  /** Builds the Parameter Store cache behind `/systemsmanager/parameters/get`. */
  readonly parameters: (config: SidecarConfig, deps: ReaderDependencies) => ParameterReader;
  readonly env?: NodeJS.ProcessEnv;
  readonly logger?: Logger;
  /** Where audit lines go instead of `[latchkey.audit] path` (tests). */
  readonly auditSink?: LineSink;
}

export class Sidecar {
  readonly listeners: readonly Listener[];
  readonly logger: Logger;
  readonly metrics: SidecarMetrics;
  /** The configuration last loaded (its `restart` settings apply only from the next start). */
  private config: SidecarConfig;
  /** What it started with: a `restart` setting keeps this value until the restart. */
  private readonly started: SidecarConfig;
  private readonly ctx: HandlerContext;
  private readonly prefetcher: Prefetcher;
  private readonly env: NodeJS.ProcessEnv;
  private readonly openAudit: (config: SidecarConfig) => AuditLog | undefined;
  /** Audit logs a reload replaced, still writing out their last lines. */
  private retiredAudit: Promise<unknown> = Promise.resolve();
  private closed: Promise<void> | undefined;

  private constructor(
    config: SidecarConfig,
    ctx: HandlerContext,
    listeners: Listener[],
    prefetcher: Prefetcher,
    env: NodeJS.ProcessEnv,
    openAudit: (config: SidecarConfig) => AuditLog | undefined,
  ) {
    this.config = config;
    this.started = config;
    this.openAudit = openAudit;
    this.ctx = ctx;
    this.listeners = listeners;
    this.logger = ctx.logger;
    this.metrics = ctx.metrics;
    this.prefetcher = prefetcher;
    this.env = env;
  }

  static async start(options: SidecarOptions): Promise<Sidecar> {
    const { config } = options;
    const env = options.env ?? process.env;
    const logger =
      options.logger ??
      createLogger({ level: config.logLevel, file: config.logToFile ? config.latchkey.logFile : undefined });
    const onReload = tokenReloadLogger(logger);
    const clients = ClientRegistry.fromConfig(config, { env, onReload });
    const connections = new ConnectionTracker(config.maxConn);
    const metrics = new SidecarMetrics(() => connections.count);
    const renderer = new SecretBodyRenderer(config.latchkey.createdDate);
    const credentials = new CredentialStatus();
    let readers: SecretReaders | undefined;
    let parameters: ParameterReader | undefined;
    let audit: AuditLog | undefined;
    try {
      const factory = options.readers(config, { registry: metrics.registry, logger });
      readers = new SecretReaders(
        (roleArn) => credentials.watch(factory(roleArn)),
        config.maxRoles,
        (retired) => renderer.forget(retired),
      );
      parameters = options.parameters(config, { registry: metrics.registry, logger });
      const openAudit = ({ latchkey: { audit } }: SidecarConfig) =>
        options.auditSink
          ? new AuditLog(options.auditSink)
          : audit.enabled
            ? AuditLog.open(audit.path, (error) =>
                logger.error({ err: error, path: audit.path }, 'audit log write failed'),
              )
            : undefined;
      audit = openAudit(config);
      const prefetcher = new Prefetcher(readers.primary, config.latchkey.prefetch, logger);
      const ctx: HandlerContext = {
        pathPrefix: config.pathPrefix,
        tokenHeaders: new Set(config.ssrfHeaders.map((name) => name.toLowerCase())),
        clients,
        readers,
        parameters,
        renderer,
        metrics,
        audit,
        logger,
        connections,
        closing: false,
        readiness: () => {
          const { done, loaded, pending, failed } = prefetcher.status;
          // Not ready while the last read failed for credentials: every read would fail the same way.
          const failing = credentials.failing;
          return {
            ready: done && !ctx.closing && failing === undefined,
            detail: {
              // /ready needs no token: it counts the prefetch failures; their ids are in the log.
              prefetch: { done, loaded, pending, failed: failed.length },
              credentials: failing === undefined ? 'ok' : `failing (${failing.upstreamCode})`,
            },
          };
        },
      };
      const listeners = await openListeners({
        bind: config.latchkey.bind,
        port: config.httpPort,
        unixSocket: config.latchkey.unixSocket,
        unixSocketMode: config.latchkey.unixSocketMode,
        maxSockets: socketLimit(config.maxConn),
        handler: createRequestHandler(ctx),
        connections,
        onSkipped: (address, error) => logger.warn({ address, err: error }, 'address not available; skipped'),
      }).catch((error: unknown) => {
        prefetcher.stop();
        throw error;
      });
      const sidecar = new Sidecar(config, ctx, listeners, prefetcher, env, openAudit);
      logger.info(
        { addresses: sidecar.addresses, clients: clients.names, prefetch: config.latchkey.prefetch.length },
        'listening',
      );
      if (config.latchkey.allowNonLoopback) {
        logger.warn(
          { bind: config.latchkey.bind },
          'allow_non_loopback is set: addresses other than loopback may serve secrets to the network; a token is all that protects them',
        );
      }
      return sidecar;
    } catch (error) {
      clients.close();
      await audit?.close();
      await readers?.close();
      parameters?.close();
      throw error;
    }
  }

  get addresses(): ListenerAddress[] {
    return this.listeners.map((listener) => listener.address);
  }

  /** The cache for the sidecar's own credentials (what `[[latchkey.render]]` templates read through). */
  get reader(): SecretReader {
    return this.ctx.readers.primary;
  }

  /** The first TCP address as a base URL, e.g. `http://127.0.0.1:2773`. */
  get url(): string {
    const tcp = this.addresses.find((address) => address.kind === 'tcp');
    if (tcp === undefined || tcp.kind !== 'tcp') throw new Error('the sidecar has no TCP listener');
    return `http://${tcp.host.includes(':') ? `[${tcp.host}]` : tcp.host}:${tcp.port}`;
  }

  /** Resolves when the prefetch list has been loaded (or has failed permanently). */
  get prefetched(): Promise<void> {
    return this.prefetcher.finished;
  }

  /**
   * SIGHUP: re-read every token, and with a new configuration apply the settings the settings table marks `live`
   * (clients and their tokens, keeping replaced tokens valid for the grace period; log level; max_conn; the audit
   * log; ...). A changed `restart` setting is logged as a warning naming it, at every reload until the restart.
   */
  reload(next?: SidecarConfig): void {
    if (next === undefined) {
      this.ctx.clients.reload();
      this.logger.info('tokens reloaded');
      return;
    }
    const running = this.config;
    // What can fail comes first, so that a failed reload changes nothing.
    const clients = ClientRegistry.fromConfig(
      next,
      { env: this.env, onReload: tokenReloadLogger(this.logger) },
      this.ctx.clients,
    );
    let audit = this.ctx.audit;
    if (!isDeepStrictEqual(next.latchkey.audit, running.latchkey.audit)) {
      try {
        audit = this.openAudit(next);
      } catch (error) {
        clients.close();
        throw error;
      }
      this.retiredAudit = Promise.all([this.retiredAudit, this.ctx.audit?.close()]);
    }
    this.ctx.audit = audit;
    const previous = this.ctx.clients;
    this.ctx.clients = clients;
    previous.close();
    this.logger.level = next.logLevel === 'none' ? 'silent' : next.logLevel;
    this.ctx.connections.maxConn = next.maxConn;
    for (const { server } of this.listeners) server.maxConnections = socketLimit(next.maxConn);
    const waiting = keysWaitingForRestart(this.started, next);
    if (waiting.length > 0) {
      this.logger.warn(
        { keys: waiting },
        `changed settings that apply only after a restart: ${waiting.join(', ')}`,
      );
    }
    this.config = next;
    this.logger.info({ clients: clients.names }, 'configuration reloaded');
  }

  /** Graceful shutdown: not ready, stop accepting, finish in-flight requests (up to the shutdown timeout, or
   * `graceMs` when that is shorter: the Lambda extension's deadline). */
  close(graceMs?: number): Promise<void> {
    this.closed ??= (async () => {
      this.ctx.closing = true;
      this.prefetcher.stop();
      const timeoutMs = this.config.latchkey.shutdownTimeoutSeconds * 1000;
      await closeListeners(this.listeners, Math.min(graceMs ?? timeoutMs, timeoutMs));
      this.ctx.clients.close();
      await this.ctx.readers.close();
      this.ctx.parameters.close();
      await Promise.all([this.ctx.audit?.close(), this.retiredAudit]);
      this.logger.info('stopped');
      this.logger.flush?.();
    })();
    return this.closed;
  }
}

/** Sockets a listener accepts: past max_conn, requests are answered 429 (and /ping still 200) up to this many. */
function socketLimit(maxConn: number): number {
  return maxConn + 64;
}

function tokenReloadLogger(logger: Logger): (outcome: { changed: boolean; error?: Error }) => void {
  return ({ changed, error }) => {
    if (error) logger.warn({ err: error }, 'token reload failed; keeping the previous token');
    else if (changed) logger.info('token changed; the previous token stays valid for the grace period');
  };
}
