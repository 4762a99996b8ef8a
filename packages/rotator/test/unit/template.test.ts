import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

type Json = Record<string, unknown>;
const template = JSON.parse(
  await readFile(new URL('../../deploy/template.json', import.meta.url), 'utf8'),
) as { Resources: Record<string, { Type: string; Condition?: string; Properties: Json }> };

/** The statements as deployed with every optional feature on (the true branch of each Fn::If). */
function statements(): Json[] {
  const role = template.Resources.ExecutionRole!.Properties as {
    Policies: { PolicyDocument: { Statement: Json[] } }[];
  };
  return role.Policies.flatMap((policy) => policy.PolicyDocument.Statement).map((statement) => {
    const branch = statement['Fn::If'] as [string, Json, Json] | undefined;
    return branch ? branch[1] : statement;
  });
}

const actionsOf = (statement: Json) => [statement.Action].flat() as string[];

describe('deployment template', () => {
  it('grants exactly the actions rotation needs, each on the narrowest resource', () => {
    const granted = statements().map((statement) => ({
      actions: actionsOf(statement).sort(),
      resource: statement.Resource,
      effect: statement.Effect,
    }));
    expect(granted).toEqual([
      {
        actions: [
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          'secretsmanager:PutSecretValue',
          'secretsmanager:UpdateSecretVersionStage',
        ],
        resource: { Ref: 'SecretArn' },
        effect: 'Allow',
      },
      // GetRandomPassword acts on no resource: IAM only accepts "*" for it.
      { actions: ['secretsmanager:GetRandomPassword'], resource: '*', effect: 'Allow' },
      {
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resource: { 'Fn::GetAtt': ['LogGroup', 'Arn'] },
        effect: 'Allow',
      },
      { actions: ['secretsmanager:GetSecretValue'], resource: { Ref: 'MasterSecretArn' }, effect: 'Allow' },
      // PutSecretValue under a customer-managed key needs GenerateDataKey as well as Decrypt.
      { actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resource: { Ref: 'KmsKeyArn' }, effect: 'Allow' },
      {
        actions: [
          'ec2:CreateNetworkInterface',
          'ec2:DeleteNetworkInterface',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DetachNetworkInterface',
        ],
        resource: '*',
        effect: 'Allow',
      },
    ]);
    for (const statement of statements()) {
      for (const action of actionsOf(statement)) expect(action).not.toContain('*');
    }
  });

  it('makes the optional grants conditional on their parameters', () => {
    const role = template.Resources.ExecutionRole!.Properties as {
      Policies: { PolicyDocument: { Statement: Json[] } }[];
    };
    const conditions = role.Policies[0]!.PolicyDocument.Statement.map(
      (statement) => (statement['Fn::If'] as [string] | undefined)?.[0],
    );
    expect(conditions).toEqual([undefined, undefined, undefined, 'HasMasterSecret', 'HasKmsKey', 'InVpc']);
  });

  it('lets only Secrets Manager, rotating this secret in this account, invoke the function', () => {
    const permission = template.Resources.SecretsManagerInvokePermission!;
    expect(permission.Type).toBe('AWS::Lambda::Permission');
    expect(permission.Properties).toMatchObject({
      Action: 'lambda:InvokeFunction',
      Principal: 'secretsmanager.amazonaws.com',
      SourceAccount: { Ref: 'AWS::AccountId' },
      SourceArn: { Ref: 'SecretArn' },
    });
  });

  it('uses every parameter it asks for', () => {
    const { Parameters, ...rest } = template as unknown as { Parameters: Json };
    const body = JSON.stringify(rest);
    for (const name of Object.keys(Parameters)) {
      const referenced = body.includes(`{"Ref":"${name}"}`) || body.includes(`\${${name}}`);
      expect(referenced, name).toBe(true);
    }
  });

  it('runs index.handler on Node.js 24 by default (22 allowed), with the endpoint AWS functions read, and an optional schedule', () => {
    const fn = template.Resources.RotationFunction!;
    expect(fn.Properties.Handler).toBe('index.handler');
    const runtime = (template as unknown as { Parameters: { Runtime: Json } }).Parameters.Runtime;
    // Lambda refuses new nodejs20.x functions since 2026-06-01.
    expect(runtime).toMatchObject({ Default: 'nodejs24.x', AllowedValues: ['nodejs22.x', 'nodejs24.x'] });
    expect((fn.Properties.Environment as { Variables: Json }).Variables).toHaveProperty(
      'SECRETS_MANAGER_ENDPOINT',
    );
    const schedule = template.Resources.RotationSchedule!;
    expect(schedule).toMatchObject({
      Type: 'AWS::SecretsManager::RotationSchedule',
      Condition: 'HasSchedule',
    });
  });
});
