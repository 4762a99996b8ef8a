/** The deployment files: they are valid, and they say what the README promises (no Docker engine here to build). */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as kubernetes from 'kubernetes-models';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseDockerfile } from '../support/dockerfile.js';

const deploy = fileURLToPath(new URL('../../deploy/', import.meta.url));
const packageDir = fileURLToPath(new URL('../../', import.meta.url));
const dockerfile = parseDockerfile(readFileSync(`${deploy}Dockerfile`, 'utf8'));
const runtime = dockerfile.stages.at(-1)!;
const entrypoint = JSON.parse(runtime.arguments('ENTRYPOINT')[0] ?? '[]') as string[];
/** The bundle's path in the image: what an exec probe runs. */
const bundleInImage = entrypoint.at(-1);

interface Probe {
  readonly exec?: { readonly command: readonly string[] };
  readonly [handler: string]: unknown;
}
interface Container {
  readonly name: string;
  readonly args?: readonly string[];
  readonly restartPolicy?: string;
  readonly env?: readonly { readonly name: string; readonly value?: string }[];
  readonly startupProbe?: Probe;
  readonly readinessProbe?: Probe;
  readonly livenessProbe?: Probe;
  readonly volumeMounts: readonly { readonly name: string; readonly mountPath: string }[];
  readonly securityContext: { readonly readOnlyRootFilesystem?: boolean };
}

/** The model class kubernetes-models has for a document's apiVersion and kind (`apps/v1` -> `apps.v1`). */
function modelFor(apiVersion: string, kind: string): new (data: unknown) => { validate(): void } {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const groupKey = (group ?? '').replace(/\.(\w)/g, (_, letter: string) => letter.toUpperCase());
  const models = kubernetes as unknown as Record<string, Record<string, Record<string, unknown>>>;
  const model = (group === '' ? models[version as string] : models[groupKey]?.[version as string])?.[kind];
  if (typeof model !== 'function') throw new Error(`no Kubernetes model for ${apiVersion} ${kind}`);
  return model as new (
    data: unknown,
  ) => { validate(): void };
}

describe('deployment files', () => {
  it('Dockerfile: a builder stage makes the bundle; the image runs it on Node 24 as a non-root user', () => {
    expect(dockerfile.stages.map((stage) => stage.from)).toEqual(['node:24-alpine', 'node:24-alpine']);
    const [build] = dockerfile.stages;
    expect(build?.name).toBe('build');
    expect(build?.arguments('RUN').join('\n')).toContain('packages/sidecar/scripts/bundle.mjs');
    expect(runtime.copies.map((copy) => [copy.from, copy.sources])).toEqual([
      [
        'build',
        ['latchkey.cjs', 'aws-sdk.cjs', 'aws-sdk-ssm.cjs', 'aws-sdk-credentials.cjs'].map(
          (file) => `/src/packages/sidecar/dist/bundle/${file}`,
        ),
      ],
    ]);
    expect(runtime.arguments('RUN')).toEqual([]);
    const user = runtime.arguments('USER')[0];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(entrypoint[0]).toBe('node');
    expect(bundleInImage).toBe('/opt/latchkey/latchkey.cjs');
    expect(runtime.arguments('HEALTHCHECK')[0]).toContain(`CMD ["node", "${bundleInImage}", "health"]`);
    // The benchmark measures throughput and memory with the same V8 options and node flags.
    const bench = readFileSync(
      fileURLToPath(new URL('../../../../bench/sidecar.bench.ts', import.meta.url)),
      'utf8',
    );
    // V8 flags on the node command line, not NODE_OPTIONS, which would reach every node process of the container.
    expect(runtime.arguments('ENV').join('\n')).not.toContain('NODE_OPTIONS');
    const flags = entrypoint.slice(1, -1);
    expect(flags).toEqual([
      '--no-memory-reducer',
      '--max-semi-space-size=1',
      '--no-maglev',
      '--v8-pool-size=1',
    ]);
    const benchFlags = /const CONTAINER_NODE_FLAGS = \[([^\]]*)\]/.exec(bench)?.[1] ?? '';
    expect([...benchFlags.matchAll(/'([^']*)'/g)].map((match) => match[1])).toEqual(flags);
    // Installed as an npm bin, and as the bundle, the CLI runs with the same flags.
    for (const file of ['bin/latchkey.js', 'src/bin/latchkey.ts']) {
      const shebang = readFileSync(`${packageDir}${file}`, 'utf8').split('\n')[0];
      expect(shebang, file).toBe(`#!/usr/bin/env -S node ${flags.join(' ')}`);
    }
    expect(existsSync(`${packageDir}scripts/bundle.mjs`)).toBe(true);
  });

  const documents = parseAllDocuments(readFileSync(`${deploy}kubernetes.yaml`, 'utf8')).map((doc) =>
    doc.toJS(),
  );
  const deployment = documents.find((doc) => doc.kind === 'Deployment');
  const pod = deployment.spec.template.spec;
  const sidecar = (pod.initContainers as Container[] | undefined)?.find((c) => c.name === 'latchkey');

  it('Kubernetes: every object is valid against the Kubernetes API schema', () => {
    expect(documents.map((doc) => doc.kind)).toEqual(['Secret', 'ConfigMap', 'Deployment']);
    for (const doc of documents) {
      const Model = modelFor(doc.apiVersion, doc.kind);
      expect(() => new Model(doc).validate(), `${doc.kind} ${doc.metadata.name}`).not.toThrow();
    }
  });

  it('Kubernetes: a native sidecar that the app waits for, probed through `latchkey health` on loopback', () => {
    // Native sidecar: an init container that keeps running; the app container starts after its startup probe.
    expect(sidecar?.restartPolicy).toBe('Always');
    expect((pod.containers as Container[]).map((c) => c.name)).toEqual(['app']);
    expect(sidecar?.args).toEqual(['serve', '--config', '/etc/latchkey/latchkey.toml']);
    const health = (probe: Probe | undefined) => {
      // Only exec probes reach a loopback listener: httpGet, tcpSocket and grpc go to the pod IP.
      expect(Object.keys(probe ?? {}).filter((key) => /^(exec|httpGet|tcpSocket|grpc)$/.test(key))).toEqual([
        'exec',
      ]);
      const command = probe?.exec?.command ?? [];
      expect(command.slice(0, 3)).toEqual(['node', bundleInImage, 'health']);
      // The same configuration file as serve, so the probe finds the port serve listens on.
      expect(command.slice(3).join(' ')).toContain('--config /etc/latchkey/latchkey.toml');
      return command.slice(3);
    };
    expect(health(sidecar?.startupProbe)).toContain('--ready');
    expect(health(sidecar?.readinessProbe)).toContain('--ready');
    expect(health(sidecar?.livenessProbe)).not.toContain('--ready');
  });

  it('Kubernetes: the app reads the sidecar at SECRETS_URL, with the token from a Secret through file://', () => {
    expect(sidecar?.securityContext.readOnlyRootFilesystem).toBe(true);
    const app = (pod.containers as Container[])[0];
    expect(app?.env?.find((e) => e.name === 'SECRETS_URL')?.value).toBe('http://127.0.0.1:2773');
    const token = sidecar?.env?.find((e) => e.name === 'AWS_TOKEN')?.value as string;
    expect(token).toMatch(/^file:\/\//);
    expect(app?.env?.find((e) => e.name === 'AWS_TOKEN')?.value).toBe(token);
    const mount = sidecar?.volumeMounts.find((m) => token.slice('file://'.length).startsWith(m.mountPath));
    const volume = pod.volumes.find((v: { name: string }) => v.name === mount?.name);
    expect(
      documents.some((doc) => doc.kind === 'Secret' && doc.metadata.name === volume.secret.secretName),
    ).toBe(true);
  });

  it('ECS: the sidecar is essential, checked through `latchkey health`, and HEALTHY before the app', () => {
    const task = JSON.parse(readFileSync(`${deploy}ecs-task-definition.json`, 'utf8'));
    const sidecarTask = task.containerDefinitions.find((c: { name: string }) => c.name === 'latchkey');
    const app = task.containerDefinitions.find((c: { name: string }) => c.name === 'app');
    expect(sidecarTask.essential).toBe(true);
    expect(sidecarTask.readonlyRootFilesystem).toBe(true);
    expect(sidecarTask.healthCheck.command).toEqual(['CMD', 'node', bundleInImage, 'health', '--ready']);
    expect(sidecarTask.secrets.map((s: { name: string }) => s.name)).toContain('AWS_TOKEN');
    expect(app.dependsOn).toEqual([{ containerName: 'latchkey', condition: 'HEALTHY' }]);
    expect(app.environment).toContainEqual({ name: 'SECRETS_URL', value: 'http://127.0.0.1:2773' });
  });
});
