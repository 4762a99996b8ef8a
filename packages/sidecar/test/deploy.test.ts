/** The deployment files: they parse, and they say what the README promises (no Docker engine here to build). */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const deploy = fileURLToPath(new URL('../deploy/', import.meta.url));
const packageDir = fileURLToPath(new URL('../', import.meta.url));

describe('deployment files', () => {
  it('Dockerfile: the bundle, a non-root user, no writes needed', () => {
    const dockerfile = readFileSync(`${deploy}Dockerfile`, 'utf8');
    const copy = /^COPY .* (\S+) \.\/latchkey\.mjs$/m.exec(dockerfile);
    expect(copy?.[1]).toBe('dist/bundle/latchkey.mjs');
    expect(/^USER (\S+)$/m.exec(dockerfile)?.[1]).not.toBe('root');
    const entrypoint = JSON.parse(/^ENTRYPOINT (.+)$/m.exec(dockerfile)?.[1] ?? '[]') as string[];
    expect(entrypoint[0]).toBe('node');
    expect(entrypoint.at(-1)).toBe('/opt/latchkey/latchkey.mjs');
    expect(dockerfile).not.toMatch(/^RUN /m);
    // The benchmark measures throughput and memory with the same V8 options and node flags.
    const bench = readFileSync(
      fileURLToPath(new URL('../../../bench/sidecar.bench.ts', import.meta.url)),
      'utf8',
    );
    const options = /^ENV NODE_OPTIONS=(.+)$/m.exec(dockerfile)?.[1];
    expect(bench).toContain(`const CONTAINER_NODE_OPTIONS = '${options}';`);
    const flags = entrypoint.slice(1, -1);
    expect(flags).toContain('--no-memory-reducer');
    expect(bench).toContain(`const CONTAINER_NODE_FLAGS = [${flags.map((flag) => `'${flag}'`).join(', ')}];`);
    // Installed as an npm bin, the CLI runs with the same flags.
    const shebang = readFileSync(`${packageDir}src/bin/latchkey.ts`, 'utf8').split('\n')[0];
    expect(shebang).toBe(`#!/usr/bin/env -S node ${flags.join(' ')}`);
    expect(existsSync(`${packageDir}scripts/bundle.mjs`)).toBe(true);
  });

  it('Kubernetes: token from a Secret through file://, readiness on /ready, read-only root filesystem', () => {
    const documents = parseAllDocuments(readFileSync(`${deploy}kubernetes.yaml`, 'utf8')).map((doc) =>
      doc.toJS(),
    );
    const deployment = documents.find((doc) => doc.kind === 'Deployment');
    const sidecar = deployment.spec.template.spec.containers.find(
      (c: { name: string }) => c.name === 'latchkey',
    );
    expect(sidecar.readinessProbe.httpGet.path).toBe('/ready');
    expect(sidecar.securityContext.readOnlyRootFilesystem).toBe(true);
    const token = sidecar.env.find((e: { name: string }) => e.name === 'AWS_TOKEN').value as string;
    expect(token).toMatch(/^file:\/\//);
    const mount = sidecar.volumeMounts.find((m: { mountPath: string }) =>
      token.slice('file://'.length).startsWith(m.mountPath),
    );
    const volume = deployment.spec.template.spec.volumes.find((v: { name: string }) => v.name === mount.name);
    expect(
      documents.some((doc) => doc.kind === 'Secret' && doc.metadata.name === volume.secret.secretName),
    ).toBe(true);
  });

  it('ECS: the sidecar is essential, healthy before the app, with its token from Secrets Manager', () => {
    const task = JSON.parse(readFileSync(`${deploy}ecs-task-definition.json`, 'utf8'));
    const sidecar = task.containerDefinitions.find((c: { name: string }) => c.name === 'latchkey');
    const app = task.containerDefinitions.find((c: { name: string }) => c.name === 'app');
    expect(sidecar.readonlyRootFilesystem).toBe(true);
    expect(sidecar.secrets.map((s: { name: string }) => s.name)).toContain('AWS_TOKEN');
    expect(app.dependsOn).toEqual([{ containerName: 'latchkey', condition: 'HEALTHY' }]);
  });
});
