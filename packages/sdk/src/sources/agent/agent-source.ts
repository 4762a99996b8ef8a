import type { Pool } from 'undici';
import { type Duration, durationOption } from '../../duration.js';
import { AccessDeniedError, type SecretsError } from '../../errors.js';
import { parseJsonText } from '../../json.js';
import type { SecretValue } from '../../types/secret.js';
import type { SecretRequest, SecretSource } from '../../types/source.js';
import { mapUpstreamError } from '../upstream-error.js';
import { AGENT_TOKEN_VARIABLES, resolveAgentToken } from './token.js';

export interface AgentSourceOptions {
  /** Where the agent listens. Default `http://127.0.0.1:<PARAMETERS_SECRETS_EXTENSION_HTTP_PORT or 2773>`. */
  endpoint?: string;
  /** The SSRF token. Default: taken like the agent takes it, from the first set of `AWS_TOKEN`,
   * `AWS_SESSION_TOKEN`, `AWS_CONTAINER_AUTHORIZATION_TOKEN` (a `file://` value names a file holding it). */
  token?: string;
  /** Header carrying the token. Default `X-Aws-Parameters-Secrets-Token` (the one the Lambda extension accepts). */
  tokenHeader?: string;
  /** Per-request timeout (connect, headers, body). Default `'5s'`. */
  timeout?: Duration;
  timeoutMs?: number;
  /** Keep-alive connections kept to the agent. Default `8`. */
  connections?: number;
  /** Environment read for the port and the token. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** The agent's GetSecretValue JSON (`CreatedDate` is a string of epoch seconds from the AWS agent, a number from
 * the Lambda extension). */
interface AgentSecretBody {
  ARN?: string | null;
  Name?: string | null;
  VersionId?: string | null;
  SecretString?: string;
  SecretBinary?: string;
  VersionStages?: string[];
  CreatedDate?: string | number | null;
}

/**
 * Reads secrets through a local agent: the Latchkey sidecar, the AWS Secrets Manager Agent, or the AWS Parameters
 * and Secrets Lambda Extension, over a keep-alive connection pool. The agent has no DescribeSecret, so the cache
 * re-reads the value at each TTL (the agent caches too).
 */
export class AgentSource implements SecretSource {
  readonly endpoint: string;
  readonly #connections: number;
  /** Created on first use: undici is loaded only by applications that read through an agent. */
  #pool: Promise<Pool> | undefined;
  #closed = false;
  readonly #tokenHeader: string;
  readonly #timeoutMs: number;
  readonly #env: NodeJS.ProcessEnv;
  #token: string | undefined;

  constructor(options: AgentSourceOptions = {}) {
    this.#env = options.env ?? process.env;
    this.endpoint =
      options.endpoint ?? `http://127.0.0.1:${this.#env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT || '2773'}`;
    this.#token = options.token;
    this.#tokenHeader = options.tokenHeader ?? 'X-Aws-Parameters-Secrets-Token';
    this.#timeoutMs = durationOption('timeout', options.timeout, options.timeoutMs, 5_000);
    this.#connections = options.connections ?? 8;
    new URL(this.endpoint); // a malformed endpoint fails here rather than at the first read
  }

  async getSecretValue(request: SecretRequest): Promise<SecretValue> {
    const { secretId, versionId, versionStage, forceRefresh, signal } = request;
    const query = new URLSearchParams({ secretId });
    if (versionId !== undefined) query.set('versionId', versionId);
    if (versionStage !== undefined) query.set('versionStage', versionStage);
    if (forceRefresh === true) query.set('refreshNow', 'true');
    let status: number;
    let text: string;
    try {
      const pool = await this.#connectionPool();
      const response = await pool.request({
        method: 'GET',
        path: `/secretsmanager/get?${query}`,
        headers: { [this.#tokenHeader]: this.#resolveToken(secretId) },
        signal,
      });
      status = response.statusCode;
      text = await response.body.text();
    } catch (error) {
      throw mapUpstreamError(error, secretId);
    }
    if (status !== 200) throw agentError(status, text, secretId);
    return toSecretValue(parseJson(text) as AgentSecretBody | undefined, secretId);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await (await this.#pool)?.close();
  }

  #connectionPool(): Promise<Pool> {
    if (this.#closed) throw new Error('AgentSource is closed');
    this.#pool ??= import('undici').then(
      ({ Pool }) =>
        new Pool(this.endpoint, {
          connections: this.#connections,
          connectTimeout: this.#timeoutMs,
          headersTimeout: this.#timeoutMs,
          bodyTimeout: this.#timeoutMs,
        }),
    );
    return this.#pool;
  }

  #resolveToken(secretId: string): string {
    try {
      this.#token ??= resolveAgentToken(this.#env);
    } catch (error) {
      throw new AccessDeniedError(`The agent token file could not be read (secret '${secretId}')`, {
        secretId,
        cause: error,
      });
    }
    if (this.#token === undefined) {
      throw new AccessDeniedError(
        `No agent token for secret '${secretId}': set one of ${AGENT_TOKEN_VARIABLES.join(', ')} or pass token`,
        { secretId },
      );
    }
    return this.#token;
  }
}

/** An agent error answer: `{"__type", "message"}` with the upstream's status, or a plain-text refusal of the
 * agent itself (403 `Bad Token`, 400 parameter errors, 429 connection limit). */
function agentError(status: number, text: string, secretId: string): SecretsError {
  const body = parseJson(text) as { __type?: unknown; message?: unknown } | undefined;
  if (body !== undefined && typeof body.__type === 'string') {
    const message = typeof body.message === 'string' ? body.message : '';
    return mapUpstreamError({ name: body.__type, message, $metadata: { httpStatusCode: status } }, secretId);
  }
  const name =
    status === 403 ? 'AccessDeniedException' : status === 429 ? 'TooManyRequestsException' : 'AgentError';
  return mapUpstreamError(
    { name, message: text.trim().slice(0, 200), $metadata: { httpStatusCode: status } },
    secretId,
  );
}

/** The agent's body holds the secret: parsed by the helper whose errors never quote it. */
function parseJson(text: string): unknown {
  try {
    return parseJsonText(text, "the agent's answer");
  } catch {
    return undefined;
  }
}

function toSecretValue(body: AgentSecretBody | undefined, secretId: string): SecretValue {
  if (body === undefined || typeof body !== 'object') {
    throw mapUpstreamError({ name: 'ConnectionError', message: 'Response Error' }, secretId);
  }
  const base = {
    arn: body.ARN ?? '',
    name: body.Name ?? '',
    versionId: body.VersionId ?? '',
    versionStages: body.VersionStages ?? [],
    createdDate: toDate(body.CreatedDate),
  };
  return body.SecretString === undefined && body.SecretBinary !== undefined
    ? { ...base, binary: new Uint8Array(Buffer.from(body.SecretBinary, 'base64')) }
    : { ...base, string: body.SecretString ?? '' };
}

/** Epoch seconds as a number or a numeric string; an ISO timestamp is accepted too. */
function toDate(value: string | number | null | undefined): Date | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const seconds = Number(value);
  const date = Number.isFinite(seconds) ? new Date(seconds * 1000) : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
