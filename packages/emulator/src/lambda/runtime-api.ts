/**
 * The endpoint a Lambda execution environment gives its processes at AWS_LAMBDA_RUNTIME_API: the Runtime API
 * (2018-06-01, for the function's runtime) and the Extensions API (2020-01-01, for extensions) on one loopback
 * address, written from AWS's Lambda Developer Guide ("Using the Lambda runtime API for custom runtimes", "Using
 * the Lambda Extensions API to create extensions"). It holds the state the simulator drives: who registered, who
 * is waiting in a long poll, which invocations were answered. `changed` fires after every state change.
 */

import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from '../server/body.js';

/** Lambda's limit for a synchronous invocation's request and response payloads. */
const PAYLOAD_LIMIT = 6 * 1024 * 1024;
const EXTENSION_EVENTS = new Set(['INVOKE', 'SHUTDOWN']);

export interface FunctionIdentity {
  readonly functionName: string;
  readonly functionVersion: string;
  readonly handler: string;
  readonly accountId: string;
}

/** An `init/error` or `exit/error` an extension (or `init/error` the runtime) reported. */
export interface ErrorReport {
  readonly from: string;
  readonly errorType: string | undefined;
  readonly body: string;
  readonly atMs: number;
}

export interface RegisteredExtension {
  readonly id: string;
  readonly name: string;
  readonly events: ReadonlySet<string>;
  readonly registeredAtMs: number;
  firstNextAtMs: number | undefined;
  /** Events not yet fetched with event/next. */
  readonly queue: object[];
  /** The pending event/next long poll, if the extension is waiting in one. */
  waiting: ServerResponse | undefined;
}

export interface InvocationResult {
  readonly requestId: string;
  /** The runtime's response body, or its error body. */
  readonly body: string;
  /** Set when the runtime posted to .../error: its Lambda-Runtime-Function-Error-Type. */
  readonly errorType?: string;
}

interface PendingInvocation {
  readonly requestId: string;
  readonly payload: string;
  readonly deadlineMs: number;
  readonly functionArn: string;
  delivered: boolean;
  resolve(result: InvocationResult): void;
}

export class RuntimeApi extends EventEmitter<{ changed: []; firstNext: [RegisteredExtension] }> {
  readonly extensions = new Map<string, RegisteredExtension>();
  readonly errors: ErrorReport[] = [];
  runtimeFirstNextAtMs: number | undefined;
  private runtimeWaiting: ServerResponse | undefined;
  private readonly invocations: PendingInvocation[] = [];
  private readonly server: Server;
  private readonly startedAt = performance.now();

  private constructor(
    private readonly identity: FunctionIdentity,
    /** Names of the files in /opt/extensions: only these are external and may subscribe to SHUTDOWN. */
    private readonly externalNames: ReadonlySet<string>,
  ) {
    super();
    this.server = createServer((req, res) => {
      this.route(req, res).catch((error: unknown) => reply(res, 500, errorBody('Runtime.Internal', error)));
    });
  }

  static async start(identity: FunctionIdentity, externalNames: ReadonlySet<string>): Promise<RuntimeApi> {
    const api = new RuntimeApi(identity, externalNames);
    await new Promise<void>((resolve, reject) => {
      api.server.once('error', reject);
      api.server.listen(0, '127.0.0.1', () => resolve());
    });
    return api;
  }

  /** The value of AWS_LAMBDA_RUNTIME_API: `host:port`. */
  get address(): string {
    const { port } = this.server.address() as AddressInfo;
    return `127.0.0.1:${port}`;
  }

  /** Milliseconds since the API started (the simulator's clock for timings). */
  now(): number {
    return performance.now() - this.startedAt;
  }

  get runtimeWaitingForInvocation(): boolean {
    return this.runtimeWaiting !== undefined;
  }

  /** Queues an event for every extension subscribed to its type. */
  sendToExtensions(event: { eventType: string } & Record<string, unknown>): void {
    for (const extension of this.extensions.values()) {
      if (!extension.events.has(event.eventType)) continue;
      extension.queue.push(event);
      this.deliverToExtension(extension);
    }
  }

  /** Hands an invocation to the runtime (now, or at its next invocation/next); resolves with its answer. */
  invoke(payload: string, deadlineMs: number, functionArn: string): Promise<InvocationResult> {
    return new Promise((resolve) => {
      this.invocations.push({
        requestId: randomUUID(),
        payload,
        deadlineMs,
        functionArn,
        delivered: false,
        resolve,
      });
      this.deliverToRuntime();
    });
  }

  /** Ends every pending long poll and stops listening. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://runtime').pathname;
    const key = `${req.method} ${path}`;
    if (key === 'POST /2020-01-01/extension/register') return this.register(req, res);
    if (key === 'GET /2020-01-01/extension/event/next') return this.extensionNext(req, res);
    if (key === 'POST /2020-01-01/extension/init/error' || key === 'POST /2020-01-01/extension/exit/error')
      return this.extensionError(req, res);
    if (key === 'GET /2018-06-01/runtime/invocation/next') return this.runtimeNext(res);
    if (key === 'POST /2018-06-01/runtime/init/error') {
      await this.record(req, 'runtime', req.headers['lambda-runtime-function-error-type']);
      return reply(res, 202, { status: 'OK' });
    }
    const answered = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(path);
    if (req.method === 'POST' && answered) return this.runtimeAnswer(req, res, answered[1]!, answered[2]!);
    reply(res, 404, {
      errorType: 'InvalidRequest',
      errorMessage: `${req.method} ${path} is not an API route`,
    });
  }

  private async register(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const name = req.headers['lambda-extension-name'];
    const body = parseJson((await readBody(req, PAYLOAD_LIMIT)).toString('utf8'));
    const events = (body as { events?: unknown } | undefined)?.events;
    if (typeof name !== 'string' || name === '') {
      return reply(res, 400, {
        errorType: 'InvalidRequest',
        errorMessage: 'Lambda-Extension-Name is missing',
      });
    }
    if (!Array.isArray(events) || events.some((event) => !EXTENSION_EVENTS.has(event))) {
      return reply(res, 400, {
        errorType: 'Extension.InvalidEventType',
        errorMessage: 'events must be a list of INVOKE and SHUTDOWN',
      });
    }
    if (events.includes('SHUTDOWN') && !this.externalNames.has(name)) {
      return reply(res, 403, {
        errorType: 'Extension.InvalidEventType',
        errorMessage: `${name} is not a file in /opt/extensions, so it is an internal extension, which cannot subscribe to SHUTDOWN`,
      });
    }
    if ([...this.extensions.values()].some((extension) => extension.name === name)) {
      return reply(res, 409, {
        errorType: 'Extension.AlreadyRegistered',
        errorMessage: `${name} is already registered`,
      });
    }
    const id = randomUUID();
    this.extensions.set(id, {
      id,
      name,
      events: new Set(events as string[]),
      registeredAtMs: this.now(),
      firstNextAtMs: undefined,
      queue: [],
      waiting: undefined,
    });
    const { functionName, functionVersion, handler, accountId } = this.identity;
    const wantsAccount = String(req.headers['lambda-extension-accept-feature'] ?? '').includes('accountId');
    res.setHeader('Lambda-Extension-Identifier', id);
    reply(res, 200, { functionName, functionVersion, handler, ...(wantsAccount ? { accountId } : {}) });
    this.emit('changed');
  }

  private extensionNext(req: IncomingMessage, res: ServerResponse): void {
    const extension = this.extensionOf(req, res);
    if (extension === undefined) return;
    if (extension.firstNextAtMs === undefined) {
      extension.firstNextAtMs = this.now();
      extension.waiting = res;
      this.emit('firstNext', extension);
    } else {
      extension.waiting = res;
    }
    res.once('close', () => {
      if (extension.waiting === res && !res.writableEnded) {
        extension.waiting = undefined;
        this.emit('changed');
      }
    });
    this.deliverToExtension(extension);
    this.emit('changed');
  }

  private async extensionError(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const extension = this.extensionOf(req, res);
    if (extension === undefined) return;
    await this.record(req, extension.name, req.headers['lambda-extension-function-error-type']);
    reply(res, 202, { status: 'OK' });
  }

  private runtimeNext(res: ServerResponse): void {
    this.runtimeFirstNextAtMs ??= this.now();
    this.runtimeWaiting = res;
    res.once('close', () => {
      if (this.runtimeWaiting === res) this.runtimeWaiting = undefined;
    });
    this.deliverToRuntime();
    this.emit('changed');
  }

  private async runtimeAnswer(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    kind: string,
  ): Promise<void> {
    const index = this.invocations.findIndex(
      (pending) => pending.requestId === requestId && pending.delivered,
    );
    if (index === -1) {
      return reply(res, 400, {
        errorType: 'InvalidRequestID',
        errorMessage: `${requestId} is not an invocation in progress`,
      });
    }
    const body = (await readBody(req, PAYLOAD_LIMIT)).toString('utf8');
    const [pending] = this.invocations.splice(index, 1);
    const errorType = req.headers['lambda-runtime-function-error-type'];
    reply(res, 202, { status: 'OK' });
    pending!.resolve({
      requestId,
      body,
      ...(kind === 'error' ? { errorType: typeof errorType === 'string' ? errorType : 'Unhandled' } : {}),
    });
    this.emit('changed');
  }

  private extensionOf(req: IncomingMessage, res: ServerResponse): RegisteredExtension | undefined {
    const id = req.headers['lambda-extension-identifier'];
    const extension = typeof id === 'string' ? this.extensions.get(id) : undefined;
    if (extension === undefined) {
      reply(res, 403, {
        errorType: 'Extension.UnknownExtensionIdentifier',
        errorMessage: 'Lambda-Extension-Identifier is missing or not a registered extension',
      });
    }
    return extension;
  }

  private async record(req: IncomingMessage, from: string, errorType: string | string[] | undefined) {
    const body = (await readBody(req, PAYLOAD_LIMIT)).toString('utf8');
    this.errors.push({
      from,
      errorType: typeof errorType === 'string' ? errorType : undefined,
      body,
      atMs: this.now(),
    });
    this.emit('changed');
  }

  private deliverToExtension(extension: RegisteredExtension): void {
    const res = extension.waiting;
    const event = extension.queue[0];
    if (res === undefined || event === undefined) return;
    extension.queue.shift();
    extension.waiting = undefined;
    res.setHeader('Lambda-Extension-Event-Identifier', randomUUID());
    reply(res, 200, event);
    this.emit('changed');
  }

  private deliverToRuntime(): void {
    const res = this.runtimeWaiting;
    const pending = this.invocations.find((invocation) => !invocation.delivered);
    if (res === undefined || pending === undefined) return;
    pending.delivered = true;
    this.runtimeWaiting = undefined;
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(pending.payload),
      'Lambda-Runtime-Aws-Request-Id': pending.requestId,
      'Lambda-Runtime-Deadline-Ms': String(pending.deadlineMs),
      'Lambda-Runtime-Invoked-Function-Arn': pending.functionArn,
      'Lambda-Runtime-Trace-Id': `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replaceAll('-', '').slice(0, 24)};Sampled=0`,
    });
    res.end(pending.payload);
    this.emit('changed');
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function errorBody(errorType: string, error: unknown): { errorType: string; errorMessage: string } {
  return { errorType, errorMessage: error instanceof Error ? error.message : String(error) };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
