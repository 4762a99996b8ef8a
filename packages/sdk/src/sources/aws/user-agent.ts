import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SDK_VERSION } from '../../version.js';

const MIDDLEWARE_NAME = 'latchkeyUserAgent';
const PRODUCT = `latchkey/${SDK_VERSION}`;

/** Appends `latchkey/<version>` to the user agent of every request the client sends (visible in CloudTrail).
 * Works on clients the caller built too, where `customUserAgent` can no longer be set. Idempotent. */
export function addLatchkeyUserAgent(client: SecretsManagerClient): void {
  const stack = client.middlewareStack;
  if (stack.identify().some((line) => line.startsWith(MIDDLEWARE_NAME))) return;
  stack.add(
    (next) => async (args) => {
      const headers = (args as { request?: { headers?: Record<string, string> } }).request?.headers;
      if (headers !== undefined) {
        for (const header of ['user-agent', 'x-amz-user-agent']) {
          const current = headers[header];
          if (current !== undefined && !current.includes(PRODUCT)) headers[header] = `${current} ${PRODUCT}`;
        }
      }
      return next(args);
    },
    { step: 'finalizeRequest', name: MIDDLEWARE_NAME },
  );
}
