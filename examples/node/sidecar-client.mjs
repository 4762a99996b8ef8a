// Reads a secret from the Latchkey sidecar (or the AWS Secrets Manager Agent) with plain fetch: no SDK.
// Usage: node sidecar-client.mjs <secretId>
// Environment: LATCHKEY_URL (default http://127.0.0.1:2773) and the agent's token variables
// (AWS_TOKEN, AWS_SESSION_TOKEN, AWS_CONTAINER_AUTHORIZATION_TOKEN; a file:// value names a file).
import { readFileSync } from 'node:fs';

const baseUrl = process.env.LATCHKEY_URL ?? 'http://127.0.0.1:2773';
const startupDeadlineMs = Number(process.env.LATCHKEY_STARTUP_TIMEOUT_MS ?? 10_000);

function readToken() {
  for (const name of ['AWS_TOKEN', 'AWS_SESSION_TOKEN', 'AWS_CONTAINER_AUTHORIZATION_TOKEN']) {
    const value = process.env[name];
    if (value === undefined) continue;
    return value.startsWith('file://') ? readFileSync(value.slice('file://'.length), 'utf8').trim() : value;
  }
  throw new Error('no token: set AWS_TOKEN (or AWS_SESSION_TOKEN, AWS_CONTAINER_AUTHORIZATION_TOKEN)');
}

// The sidecar may still be starting when the app starts: retry connection errors and 5xx until a deadline.
async function getSecret(secretId) {
  const url = `${baseUrl}/secretsmanager/get?secretId=${encodeURIComponent(secretId)}`;
  const headers = { 'X-Aws-Parameters-Secrets-Token': readToken() };
  const deadline = Date.now() + startupDeadlineMs;
  for (let delayMs = 100; ; delayMs = Math.min(delayMs * 2, 2_000)) {
    const response = await fetch(url, { headers }).catch((error) => error);
    if (response instanceof Response) {
      if (response.ok) return response.json();
      if (response.status < 500 || Date.now() > deadline) {
        throw new Error(`sidecar answered ${response.status}: ${await response.text()}`);
      }
    } else if (Date.now() > deadline) {
      throw new Error(`sidecar not reachable at ${baseUrl}: ${response.cause?.message ?? response.message}`);
    }
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
}

const secretId = process.argv[2];
if (!secretId) {
  console.error('usage: node sidecar-client.mjs <secretId>');
  process.exit(2);
}
try {
  const secret = await getSecret(secretId);
  const value = secret.SecretString ?? Buffer.from(secret.SecretBinary, 'base64').toString('utf8');
  // Use the value; never print it.
  console.log(`${secret.Name} ${secret.VersionId} length=${value.length}`);
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
