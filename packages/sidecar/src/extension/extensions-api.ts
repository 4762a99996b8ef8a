/**
 * A client for the Lambda Extensions API (version 2020-01-01) at `$AWS_LAMBDA_RUNTIME_API`: register, the
 * `event/next` long poll, and the init/exit error reports. node:http without any timeout: `event/next` blocks for
 * as long as the environment stays idle (and frozen), and a timer would fire spuriously after a thaw.
 */
import { Agent, request } from 'node:http';
import { text } from 'node:stream/consumers';

const BASE = '/2020-01-01/extension';

export interface Registration {
  readonly extensionId: string;
  readonly functionName?: string;
  readonly functionVersion?: string;
}

export interface InvokeEvent {
  readonly eventType: 'INVOKE';
  readonly deadlineMs: number;
  readonly requestId: string;
}

export interface ShutdownEvent {
  readonly eventType: 'SHUTDOWN';
  readonly shutdownReason: string;
  readonly deadlineMs: number;
}

export type LifecycleEvent = InvokeEvent | ShutdownEvent;

export class ExtensionsApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ExtensionsApiError';
  }
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

export class ExtensionsApi {
  private readonly host: string;
  private readonly port: number;
  /** One kept-alive connection serves every `event/next`, so an invoke costs no new connection. */
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  private extensionId: string | undefined;

  /** `runtimeApi`: the `host:port` Lambda puts in AWS_LAMBDA_RUNTIME_API. */
  constructor(runtimeApi: string) {
    const url = new URL(`http://${runtimeApi}`);
    this.host = url.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(url.port || 80);
  }

  async register(name: string, events: readonly string[]): Promise<Registration> {
    const answer = await this.call('POST', '/register', { 'Lambda-Extension-Name': name }, { events });
    const id = answer.headers['lambda-extension-identifier'];
    if (answer.status !== 200 || typeof id !== 'string' || id === '') {
      throw new ExtensionsApiError(
        `register answered ${answer.status}${describeError(answer.body)}`,
        answer.status,
      );
    }
    this.extensionId = id;
    const body = parseObject(answer.body);
    return {
      extensionId: id,
      functionName: stringField(body, 'functionName'),
      functionVersion: stringField(body, 'functionVersion'),
    };
  }

  /** Blocks until Lambda has the next event for this extension. */
  async next(): Promise<LifecycleEvent> {
    const answer = await this.call('GET', '/event/next', this.idHeader());
    if (answer.status !== 200) {
      throw new ExtensionsApiError(
        `event/next answered ${answer.status}${describeError(answer.body)}`,
        answer.status,
      );
    }
    const event = parseObject(answer.body);
    if (event.eventType !== 'INVOKE' && event.eventType !== 'SHUTDOWN') {
      throw new ExtensionsApiError(`event/next answered an unknown event type ${String(event.eventType)}`);
    }
    return event as unknown as LifecycleEvent;
  }

  /** `errorType`: `Category.Reason`, e.g. `Extension.MissingRegion`. Lambda fails the Init phase. */
  initError(errorType: string, message: string): Promise<void> {
    return this.reportError('/init/error', errorType, message);
  }

  /** For a failure after Init; Lambda resets the environment. */
  exitError(errorType: string, message: string): Promise<void> {
    return this.reportError('/exit/error', errorType, message);
  }

  close(): void {
    this.agent.destroy();
  }

  private async reportError(path: string, errorType: string, message: string): Promise<void> {
    const answer = await this.call(
      'POST',
      path,
      { ...this.idHeader(), 'Lambda-Extension-Function-Error-Type': errorType },
      { errorMessage: message, errorType, stackTrace: [] },
    );
    if (answer.status !== 202) {
      throw new ExtensionsApiError(`${path.slice(1)} answered ${answer.status}`, answer.status);
    }
  }

  private idHeader(): Record<string, string> {
    if (this.extensionId === undefined) throw new ExtensionsApiError('the extension has not registered');
    return { 'Lambda-Extension-Identifier': this.extensionId };
  }

  private call(
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: unknown,
  ): Promise<Answer> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: this.host,
          port: this.port,
          method,
          path: `${BASE}${path}`,
          agent: this.agent,
          headers: {
            ...headers,
            ...(payload === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          },
        },
        (res) => {
          text(res).then(
            (body) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }),
            reject,
          );
        },
      );
      req.on('error', (error) =>
        reject(new ExtensionsApiError(`${method} ${BASE}${path} failed: ${error.message}`)),
      );
      req.end(payload);
    });
  }
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new ExtensionsApiError('the Extensions API answered a body that is not a JSON object');
}

function stringField(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  return typeof value === 'string' ? value : undefined;
}

/** Lambda's error bodies are `{errorMessage, errorType}`; only the type is kept (short, and never a value). */
function describeError(body: string): string {
  try {
    const { errorType } = JSON.parse(body) as { errorType?: unknown };
    return typeof errorType === 'string' ? ` (${errorType})` : '';
  } catch {
    return '';
  }
}
