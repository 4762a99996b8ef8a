import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallLog, RequestLogEntry } from '../call-log.js';
import { AwsError } from '../errors.js';
import type { FaultDecision, FaultInjector } from '../faults.js';
import type { RequestQuotas } from '../quotas.js';
import type { SecretsManagerContext } from '../secretsmanager/context.js';
import { type Input, parseJsonBody } from '../secretsmanager/input.js';
import { secretsManagerOperations, unsupportedOperations } from '../secretsmanager/operations.js';
import type { SsmContext } from '../ssm/context.js';
import { SSM_TARGET_PREFIX, ssmOperations } from '../ssm/operations.js';
import type { Principal, StsService } from '../sts/sts.js';
import { BodyTooLargeError, readBody } from './body.js';
import { requestCredentials } from './credentials.js';
import { json11, type Protocol, query, ssmJson11 } from './protocols.js';

export interface ServerDependencies {
  secretsManager: SecretsManagerContext;
  ssm: SsmContext;
  sts: StsService;
  faults: FaultInjector;
  /** Request-rate quotas; absent, nothing is throttled. */
  quotas: RequestQuotas | undefined;
  callLog: CallLog;
  /** Changes whenever any store changes: a request that changed it must be persisted before it is answered. */
  revision(): number;
  /** Writes the data file after a request changed a store (a no-op in memory mode). */
  persist(): Promise<void>;
  /** Serves `/_latchkey/...`. */
  admin(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>;
  maxBodyBytes: number;
}

/** A request for one AWS operation, whatever its protocol. */
interface OperationCall extends Pick<RequestLogEntry, 'secretId' | 'parameterName'> {
  protocol: Protocol;
  operation: string;
  /** Runs the operation for the identified caller; throws AwsError for anything AWS would refuse. */
  execute(caller: Principal): object;
}

function faultError(decision: FaultDecision): AwsError | undefined {
  if (decision.failure === 'throttling') return new AwsError('ThrottlingException', 'Rate exceeded');
  if (decision.failure === 'internal-error') {
    return new AwsError(
      'InternalServiceError',
      'An error occurred on the server side (injected fault).',
      500,
    );
  }
  return undefined;
}

/** A service on AWS JSON 1.1: its X-Amz-Target prefix, its operations, and what the request log records. */
interface JsonService {
  prefix: string;
  protocol: Protocol;
  /** Runs one operation; undefined when the service has no operation of that name. */
  handler(operation: string): ((input: Input) => object) | undefined;
  /** The resource the request names, as the request log records it. */
  resource(operation: string, input: Input): Pick<OperationCall, 'secretId' | 'parameterName'>;
}

export function createEmulatorServer(deps: ServerDependencies): Server {
  const { secretsManager, ssm, sts, faults, quotas, callLog, revision } = deps;

  const jsonServices: JsonService[] = [
    {
      prefix: 'secretsmanager.',
      protocol: json11,
      handler(operation) {
        const handler = secretsManagerOperations[operation];
        if (handler) return (input) => handler(input, secretsManager);
        if (!unsupportedOperations.includes(operation)) return undefined;
        return () => {
          throw new AwsError(
            'InvalidRequestException',
            `The Latchkey emulator does not support ${operation} (replication).`,
          );
        };
      },
      resource: (operation, input) => ({
        secretId:
          input.string('SecretId') ?? (operation === 'CreateSecret' ? input.string('Name') : undefined),
      }),
    },
    {
      prefix: SSM_TARGET_PREFIX,
      protocol: ssmJson11,
      handler(operation) {
        const handler = ssmOperations[operation];
        return handler && ((input) => handler(input, ssm));
      },
      resource: (_operation, input) => ({ parameterName: input.string('Name') }),
    },
  ];

  async function serve(req: IncomingMessage, res: ServerResponse, call: OperationCall): Promise<void> {
    const requestId = randomUUID();
    const credentials = requestCredentials(req);
    callLog.count(call.operation);
    const throttled = quotas !== undefined && !quotas.admit(call.operation);
    if (throttled) callLog.countThrottled(call.operation);
    const decision: FaultDecision = throttled ? { latencyMs: 0 } : faults.decide(call.operation);
    if (decision.latencyMs > 0) await sleep(decision.latencyMs);
    const entry = {
      time: new Date(),
      service: call.protocol.service,
      operation: call.operation,
      accessKeyId: credentials.accessKeyId,
      secretId: call.secretId,
      parameterName: call.parameterName,
    };
    if (decision.failure === 'connection-reset') {
      req.socket.destroy();
      callLog.record({ ...entry, status: 0, errorType: 'ConnectionReset' });
      return;
    }
    let principalArn: string | undefined;
    try {
      if (throttled) throw new AwsError('ThrottlingException', 'Rate exceeded');
      const injected = faultError(decision);
      if (injected) throw injected;
      const caller = sts.identify(credentials.accessKeyId, credentials.sessionToken);
      principalArn = caller.arn;
      const before = revision();
      const result = call.execute(caller);
      if (revision() !== before) await deps.persist();
      call.protocol.writeResult(res, call.operation, result, requestId);
      callLog.record({ ...entry, principalArn, status: 200 });
    } catch (thrown) {
      const error =
        thrown instanceof AwsError
          ? thrown
          : new AwsError('InternalServiceError', `The emulator failed: ${(thrown as Error)?.message}`, 500);
      if (!(thrown instanceof AwsError)) console.error('latchkey-emulator: internal error', thrown);
      call.protocol.writeError(res, error, requestId);
      callLog.record({ ...entry, principalArn, status: error.status, errorType: error.type });
    }
  }

  /** A JSON 1.1 request: the service is the X-Amz-Target prefix (`secretsmanager.`, `AmazonSSM.`). */
  function jsonCall(target: string, body: Buffer): OperationCall {
    const service = jsonServices.find((candidate) => target.startsWith(candidate.prefix));
    const operation = service ? target.slice(service.prefix.length) : target;
    let input: Input | undefined;
    let parseError: unknown;
    try {
      input = parseJsonBody(body);
    } catch (error) {
      parseError = error;
    }
    let resource: Pick<OperationCall, 'secretId' | 'parameterName'> = {};
    try {
      if (service && input) resource = service.resource(operation, input);
    } catch {
      // A member of the wrong type is reported by the operation itself.
    }
    return {
      protocol: service?.protocol ?? json11,
      operation,
      ...resource,
      execute() {
        const handler = service?.handler(operation);
        if (!handler) throw new AwsError('UnknownOperationException', `Unknown operation ${target}.`);
        if (parseError) throw parseError;
        return handler(input!);
      },
    };
  }

  function stsCall(body: Buffer): OperationCall {
    const params = new URLSearchParams(body.toString('utf8'));
    const operation = params.get('Action') ?? '';
    return {
      protocol: query,
      operation: operation || 'UnknownAction',
      execute(caller) {
        if (params.get('Version') !== '2011-06-15') {
          throw new AwsError(
            'InvalidAction',
            `Could not find operation ${operation} for version ${params.get('Version')}`,
          );
        }
        if (operation === 'GetCallerIdentity') return sts.getCallerIdentity(caller);
        if (operation === 'AssumeRole') return sts.assumeRole(params, caller);
        throw new AwsError('InvalidAction', `Could not find operation ${operation} for version 2011-06-15`);
      },
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    if (url.pathname.startsWith('/_latchkey/')) return deps.admin(req, res, url);
    let body: Buffer;
    try {
      body = await readBody(req, deps.maxBodyBytes);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      res.setHeader('connection', 'close');
      json11.writeError(
        res,
        new AwsError('RequestEntityTooLargeException', error.message, 413),
        randomUUID(),
      );
      return;
    }
    const target = req.headers['x-amz-target'];
    const contentType = req.headers['content-type'] ?? '';
    if (typeof target === 'string') return serve(req, res, jsonCall(target, body));
    if (req.method === 'POST' && contentType.startsWith('application/x-www-form-urlencoded')) {
      return serve(req, res, stsCall(body));
    }
    const error =
      req.method === 'POST'
        ? new AwsError(
            'UnknownOperationException',
            'The request has no X-Amz-Target header and is not an STS query.',
          )
        : new AwsError(
            'UnknownOperationException',
            `No AWS operation at ${req.method} ${url.pathname}; POST / with X-Amz-Target.`,
            404,
          );
    json11.writeError(res, error, randomUUID());
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error('latchkey-emulator: request failed', error);
      if (res.headersSent) res.destroy();
      else
        json11.writeError(
          res,
          new AwsError('InternalServiceError', 'The emulator failed.', 500),
          randomUUID(),
        );
    });
  });
  // Keep idle connections open longer than clients keep them (the SDK reuses sockets), so a request is never sent
  // on a socket the server is closing at that moment; close() drops them explicitly.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 70_000;
  return server;
}
