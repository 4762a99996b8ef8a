/** The layer template (deploy/lambda-layer.yaml): it parses, and publishes what build:layer writes, each layer for
 * the architectures its Node binary runs on. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, type Tags } from 'yaml';

const template = fileURLToPath(new URL('../../deploy/lambda-layer.yaml', import.meta.url));

/** CloudFormation's short forms (!Ref, !Not, !Equals), kept as their long forms. */
const cloudFormationTags: Tags = ['Ref', 'Not', 'Equals'].flatMap((name) =>
  (['scalar', 'seq'] as const).map((collection) => ({
    tag: `!${name}`,
    collection: collection === 'seq' ? collection : undefined,
    resolve: (value: unknown) => ({ [name === 'Ref' ? 'Ref' : `Fn::${name}`]: value }),
  })),
) as Tags;

interface Resource {
  Type: string;
  Condition?: string;
  Properties: Record<string, unknown>;
}

describe('deploy/lambda-layer.yaml', () => {
  const { Resources } = parse(readFileSync(template, 'utf8'), { customTags: cloudFormationTags }) as {
    Resources: Record<string, Resource>;
  };
  const layers = Object.entries(Resources).filter(([, r]) => r.Type === 'AWS::Serverless::LayerVersion');

  it('publishes the three zips build:layer writes, each for the architectures it runs on', () => {
    const published = Object.fromEntries(
      layers.map(([, { Properties }]) => [Properties.ContentUri, Properties.CompatibleArchitectures]),
    );
    expect(published).toEqual({
      '../dist/layer/latchkey-extension-nodejs.zip': ['x86_64', 'arm64'],
      '../dist/layer/latchkey-extension-x86_64.zip': ['x86_64'],
      '../dist/layer/latchkey-extension-arm64.zip': ['arm64'],
    });
    for (const [, { Properties }] of layers) {
      expect(Properties.LayerName).toBe(
        /latchkey-extension-[a-z0-9_]+/.exec(String(Properties.ContentUri))?.[0],
      );
    }
  });

  it('offers the Node layer to Node runtimes only, and shares every layer only when asked', () => {
    const nodejs = layers.find(([, r]) => r.Properties.LayerName === 'latchkey-extension-nodejs')!;
    expect(nodejs[1].Properties.CompatibleRuntimes).toEqual(['nodejs22.x', 'nodejs24.x']);
    const permissions = Object.values(Resources).filter(
      (r) => r.Type === 'AWS::Lambda::LayerVersionPermission',
    );
    expect(permissions.map((p) => p.Properties.LayerVersionArn)).toEqual(
      layers.map(([name]) => ({ Ref: name })),
    );
    for (const permission of permissions) expect(permission.Condition).toBe('Shared');
  });
});
