import type { ServerResponse } from 'node:http';
import type { AwsError } from '../errors.js';

/** How one AWS protocol frames a result and an error on the wire. */
export interface Protocol {
  service: 'secretsmanager' | 'ssm' | 'sts';
  writeResult(res: ServerResponse, operation: string, result: object, requestId: string): void;
  writeError(res: ServerResponse, error: AwsError, requestId: string): void;
}

function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  requestId: string,
  extra = {},
) {
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': requestId,
    ...extra,
  });
  res.end(body);
}

/** AWS JSON 1.1 (Secrets Manager, Systems Manager): the result object as JSON; errors as {"__type", "message"}. */
function json11For(service: Protocol['service']): Protocol {
  return {
    service,
    writeResult(res, _operation, result, requestId) {
      send(res, 200, 'application/x-amz-json-1.1', JSON.stringify(result), requestId);
    },
    writeError(res, error, requestId) {
      const body = JSON.stringify({ __type: error.type, message: error.message });
      send(res, error.status, 'application/x-amz-json-1.1', body, requestId, {
        'x-amzn-errortype': error.type,
      });
    },
  };
}

export const json11 = json11For('secretsmanager');
export const ssmJson11 = json11For('ssm');

const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** The JSON-protocol error codes the shared pipeline raises, as STS's query protocol names them. */
const QUERY_ERROR_CODES: Record<string, string> = {
  ThrottlingException: 'Throttling',
  InternalServiceError: 'InternalFailure',
  ExpiredTokenException: 'ExpiredToken',
  UnrecognizedClientException: 'InvalidClientTokenId',
  MissingAuthenticationTokenException: 'MissingAuthenticationToken',
};

const escapeXml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`);

function toXml(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'object') return escapeXml(String(value));
  return Object.entries(value)
    .filter(([, member]) => member !== undefined)
    .map(([name, member]) => `<${name}>${toXml(member)}</${name}>`)
    .join('');
}

/** AWS query protocol (STS): `<OperationResponse><OperationResult>...`; errors as `<ErrorResponse>`. */
export const query: Protocol = {
  service: 'sts',
  writeResult(res, operation, result, requestId) {
    const body =
      `<${operation}Response xmlns="${STS_NAMESPACE}"><${operation}Result>${toXml(result)}</${operation}Result>` +
      `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`;
    send(res, 200, 'text/xml', body, requestId);
  },
  writeError(res, error, requestId) {
    const code = QUERY_ERROR_CODES[error.type] ?? error.type;
    const type = error.status >= 500 ? 'Receiver' : 'Sender';
    const body =
      `<ErrorResponse xmlns="${STS_NAMESPACE}"><Error><Type>${type}</Type><Code>${code}</Code>` +
      `<Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
    send(res, error.status, 'text/xml', body, requestId);
  },
};
