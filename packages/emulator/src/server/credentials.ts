import type { IncomingMessage } from 'node:http';

/** The caller's credentials as a SigV4-signed request carries them (the signature itself is not checked). */
export interface RequestCredentials {
  accessKeyId?: string;
  sessionToken?: string;
}

const CREDENTIAL = /Credential=([^/,\s]+)\//;

export function requestCredentials(req: IncomingMessage): RequestCredentials {
  const authorization = req.headers.authorization ?? '';
  const token = req.headers['x-amz-security-token'];
  return {
    accessKeyId: CREDENTIAL.exec(authorization)?.[1],
    sessionToken: Array.isArray(token) ? token[0] : token,
  };
}
