import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = promisify(execFile);
const index = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
const metrics = fileURLToPath(new URL('../../src/metrics.ts', import.meta.url));

/** Reports, after each step, which of the heavy optional dependencies the process has loaded (all are CommonJS, so
 * they show in the require cache even when imported from ESM). */
const SCRIPT = `
import { createRequire } from 'node:module';
const HEAVY = /node_modules\\/(undici|@aws-sdk\\/credential-providers|prom-client)\\//;
const loaded = () => [...new Set(Object.keys(createRequire(import.meta.url).cache).flatMap((path) => HEAVY.exec(path)?.[1] ?? []))].sort();
const steps = {};
const { AgentSource, AwsSource } = await import(${JSON.stringify(index)});
const closed = 'http://127.0.0.1:1'; // loopback port 1: the connection is refused
const role = new AwsSource({
  clientConfig: { endpoint: closed, maxAttempts: 1 },
  roleArn: 'arn:aws:iam::123456789012:role/reader',
  stsClientConfig: { endpoint: closed, region: 'us-east-1', maxAttempts: 1 },
});
const agent = new AgentSource({ endpoint: closed, token: 't' });
steps.imported = loaded();
await agent.getSecretValue({ secretId: 'x' }).catch(() => {});
steps.agentRead = loaded();
await role.getSecretValue({ secretId: 'x' }).catch(() => {});
steps.roleRead = loaded();
await agent.close();
role.close();
await import(${JSON.stringify(metrics)});
steps.metricsImported = loaded();
console.log(JSON.stringify(steps));
`;

it('loads undici and the credential providers only when an agent or a role is first used, prom-client only with @latchkey/sdk/metrics', async () => {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], {
    timeout: 20_000,
  });
  expect(JSON.parse(stdout)).toEqual({
    imported: [],
    agentRead: ['undici'],
    roleRead: ['@aws-sdk/credential-providers', 'undici'],
    metricsImported: ['@aws-sdk/credential-providers', 'prom-client', 'undici'],
  });
});
