/** The rotation template against CloudFormation's resource schemas (resource types, properties, their types). */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { validateTemplate } from '../support/cloudformation.js';

const text = await readFile(new URL('../../deploy/template.json', import.meta.url), 'utf8');
const template = () => JSON.parse(text);

describe('deployment template against the CloudFormation resource schemas', () => {
  it('has only known resource types and properties, of the right types, with every required one', () => {
    expect(validateTemplate(template())).toEqual([]);
  });

  it('would name a missing required property, an unknown one, a wrong type and a missing attribute', () => {
    const broken = template();
    delete broken.Resources.RotationFunction.Properties.Role;
    broken.Resources.RotationFunction.Properties.Timeuot = 60;
    broken.Resources.RotationFunction.Properties.MemorySize = 'lots';
    broken.Resources.SecretsManagerInvokePermission.Properties.FunctionName = {
      'Fn::GetAtt': ['LogGroup', 'Nope'],
    };
    expect(validateTemplate(broken).sort()).toEqual([
      'RotationFunction.MemorySize: expected a number, got "lots"',
      'RotationFunction: missing required property "Role"',
      'RotationFunction: unknown property "Timeuot"',
      'SecretsManagerInvokePermission.FunctionName: AWS::Logs::LogGroup has no attribute "Nope"',
    ]);
  });
});
