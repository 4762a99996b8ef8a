import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallLog } from '../call-log.js';
import { type FaultInjector, type FaultSpec, FaultSpecError } from '../faults.js';
import type { RotationOutcome } from '../rotation/runner.js';
import { BodyTooLargeError, readBody } from './body.js';

/**
 * The admin routes under /_latchkey/, for tests that drive the emulator from another process. They are not AWS
 * operations: they are neither counted nor subject to faults.
 *
 *   GET    /_latchkey/health                      {"status":"ok"}
 *   GET    /_latchkey/calls                       {"calls":{"GetSecretValue":3,...}}
 *   DELETE /_latchkey/calls                       reset the counters and the request log
 *   GET    /_latchkey/requests                    {"requests":[{operation, accessKeyId, principalArn, secretId, status, ...}]}
 *   GET    /_latchkey/faults                      {"faults":[...]}
 *   POST   /_latchkey/faults                      body: a fault spec -> 201 {"id": "..."}
 *   DELETE /_latchkey/faults[/<id>]               clear all faults, or one
 *   POST   /_latchkey/rotation-functions          body: {"lambdaArn": "...", "url": "http://..."} -> 201
 *   DELETE /_latchkey/rotation-functions/<arn>    unregister (ARN URL-encoded)
 *   GET    /_latchkey/rotations/<secretId>        wait until the secret's rotation is idle -> its last outcome
 *   POST   /_latchkey/rotations/due               start the rotations whose NextRotationDate has passed
 */
export interface AdminApi {
  callLog: CallLog;
  faults: FaultInjector;
  registerRotationUrl(lambdaArn: string, url: string): void;
  unregisterRotation(lambdaArn: string): void;
  whenRotationIdle(secretId: string): Promise<RotationOutcome | undefined>;
  rotateDue(): string[];
}

const ADMIN_BODY_LIMIT = 64 * 1024;

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readBody(req, ADMIN_BODY_LIMIT);
  const parsed: unknown = JSON.parse(body.toString('utf8') || '{}');
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new TypeError('Body must be a JSON object.');
  return parsed as Record<string, unknown>;
}

export function createAdminRoutes(api: AdminApi) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const path = url.pathname.slice('/_latchkey/'.length);
    const [resource = '', ...rest] = path.split('/');
    const param = rest.length > 0 ? decodeURIComponent(rest.join('/')) : undefined;
    const suffix = param === undefined ? '' : req.method === 'POST' && param === 'due' ? '/due' : '/:param';
    const route = `${req.method} ${resource}${suffix}`;
    try {
      switch (route) {
        case 'GET health':
          return reply(res, 200, { status: 'ok' });
        case 'GET calls':
          return reply(res, 200, { calls: api.callLog.calls() });
        case 'DELETE calls':
          api.callLog.reset();
          return reply(res, 204, undefined);
        case 'GET requests':
          return reply(res, 200, { requests: api.callLog.entries });
        case 'GET faults':
          return reply(res, 200, { faults: api.faults.list() });
        case 'POST faults':
          return reply(res, 201, { id: api.faults.inject((await jsonBody(req)) as unknown as FaultSpec) });
        case 'DELETE faults':
        case 'DELETE faults/:param':
          api.faults.clear(param);
          return reply(res, 204, undefined);
        case 'POST rotation-functions': {
          const { lambdaArn, url: target } = await jsonBody(req);
          if (typeof lambdaArn !== 'string' || typeof target !== 'string') {
            return reply(res, 400, { error: 'Body must be {"lambdaArn": "...", "url": "http://..."}.' });
          }
          api.registerRotationUrl(lambdaArn, target);
          return reply(res, 201, { lambdaArn, url: target });
        }
        case 'DELETE rotation-functions/:param':
          api.unregisterRotation(param!);
          return reply(res, 204, undefined);
        case 'POST rotations/due':
          return reply(res, 200, { started: api.rotateDue() });
        case 'GET rotations/:param':
          return reply(res, 200, { outcome: (await api.whenRotationIdle(param!)) ?? null });
        default:
          return reply(res, 404, { error: `No admin route ${req.method} ${url.pathname}.` });
      }
    } catch (error) {
      const status = error instanceof BodyTooLargeError ? 413 : 400;
      if (
        error instanceof FaultSpecError ||
        error instanceof SyntaxError ||
        error instanceof TypeError ||
        status === 413
      ) {
        return reply(res, status, { error: (error as Error).message });
      }
      throw error;
    }
  };
}
