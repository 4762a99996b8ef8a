import { describe, expect, it } from 'vitest';
import { evaluatePolicy, evaluateRequest, parsePolicy } from '../../src/auth/policy.js';
import { parameterShapes, secretShapes } from '../../src/auth/resources.js';

const GET = 'secretsmanager:GetSecretValue';
const BATCH = 'secretsmanager:BatchGetSecretValue';
const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:';

function policy(...Statement: unknown[]) {
  return parsePolicy({ Version: '2012-10-17', Statement }, 'test', 'policy');
}

describe('policy evaluation', () => {
  it('denies without a matching Allow', () => {
    const p = policy({ Effect: 'Allow', Action: GET, Resource: 'app/*' });
    expect(evaluatePolicy(p, GET, { arn: undefined, name: 'app/db' })).toBe('allow');
    expect(evaluatePolicy(p, GET, { arn: undefined, name: 'other/db' })).toBe('implicit-deny');
    expect(evaluatePolicy(p, BATCH, { arn: undefined, name: 'app/db' })).toBe('implicit-deny');
  });

  it('lets an explicit Deny win over an Allow', () => {
    const p = policy(
      { Effect: 'Allow', Action: 'secretsmanager:*', Resource: '*' },
      { Effect: 'Deny', Action: GET, Resource: 'app/admin-?' },
    );
    expect(evaluatePolicy(p, GET, { arn: undefined, name: 'app/admin-1' })).toBe('deny');
    expect(evaluatePolicy(p, GET, { arn: undefined, name: 'app/admin-10' })).toBe('allow');
    expect(evaluatePolicy(p, BATCH, { arn: undefined, name: 'app/admin-1' })).toBe('allow');
  });

  it('matches actions case-insensitively and resources case-sensitively', () => {
    const p = policy({ Effect: 'Allow', Action: ['SecretsManager:getsecretvalue'], Resource: 'App/*' });
    expect(evaluatePolicy(p, GET, { arn: undefined, name: 'App/x' })).toBe('allow');
    expect(evaluatePolicy(p, GET, { arn: undefined, name: 'app/x' })).toBe('implicit-deny');
  });

  it('matches an ARN pattern against the real ARN only, and a name pattern against the real name only', () => {
    const byArn = policy({ Effect: 'Allow', Action: GET, Resource: `${ARN}app/*` });
    expect(evaluatePolicy(byArn, GET, { arn: `${ARN}app/db-AbCdEf`, name: 'app/db' })).toBe('allow');
    const otherAccount = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:app/db-AbCdEf';
    expect(evaluatePolicy(byArn, GET, { arn: otherAccount, name: 'app/db' })).toBe('implicit-deny');
    const otherRegion = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/db-AbCdEf';
    expect(evaluatePolicy(byArn, GET, { arn: otherRegion, name: 'app/db' })).toBe('implicit-deny');
    const byName = policy({ Effect: 'Allow', Action: GET, Resource: 'app/db' });
    expect(evaluatePolicy(byName, GET, { arn: `${ARN}app/db-AbCdEf`, name: 'app/db' })).toBe('allow');
    expect(evaluatePolicy(byName, GET, { arn: `${ARN}app/db-AbCdEf`, name: 'app/dbx' })).toBe(
      'implicit-deny',
    );
    const denyArn = policy(
      { Effect: 'Allow', Action: GET, Resource: '*' },
      { Effect: 'Deny', Action: GET, Resource: 'arn:aws:secretsmanager:*:111111111111:secret:prod/*' },
    );
    expect(evaluatePolicy(denyArn, GET, { arn: `${ARN}prod/db-AbCdEf`, name: 'prod/db' })).toBe('allow');
  });

  it('before the read, refuses only what every possible answer would refuse', () => {
    const byArn = policy({ Effect: 'Allow', Action: GET, Resource: `${ARN}app/*` });
    // By name, the account is unknown until the read.
    expect(evaluateRequest(byArn, GET, secretShapes('app/db'))).toBeUndefined();
    expect(evaluateRequest(byArn, GET, secretShapes('other/db'))).toBe('implicit-deny');
    expect(evaluateRequest(byArn, GET, secretShapes(`${ARN}app/db-AbCdEf`))).toBeUndefined();
    const elsewhere = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:app/db';
    expect(evaluateRequest(byArn, GET, secretShapes(elsewhere))).toBe('implicit-deny');
    const suffixed = policy({ Effect: 'Allow', Action: GET, Resource: `${ARN}app/db-Ab????` });
    expect(evaluateRequest(suffixed, GET, secretShapes('app/db'))).toBeUndefined();
    expect(evaluateRequest(suffixed, GET, secretShapes(`${ARN}app/db-XyCdEf`))).toBe('implicit-deny');
    const denyAnyAccount = policy(
      { Effect: 'Allow', Action: GET, Resource: '*' },
      { Effect: 'Deny', Action: GET, Resource: 'arn:*:secretsmanager:*:*:secret:prod/*' },
    );
    expect(evaluateRequest(denyAnyAccount, GET, secretShapes('prod/db'))).toBe('deny');
    const denyOneAccount = policy(
      { Effect: 'Allow', Action: GET, Resource: '*' },
      { Effect: 'Deny', Action: GET, Resource: `${ARN}prod/*` },
    );
    expect(evaluateRequest(denyOneAccount, GET, secretShapes('prod/db'))).toBeUndefined();
  });

  it('matches parameter ARN patterns against parameter ARNs, and only for ssm: actions', () => {
    const PARAM = 'ssm:GetParameter';
    const prod = policy(
      { Effect: 'Allow', Action: ['ssm:GetParameter', GET], Resource: '*' },
      { Effect: 'Deny', Action: '*', Resource: 'arn:*:ssm:*:*:parameter/prod/*' },
    );
    const prodArn = 'arn:aws:ssm:us-east-1:123456789012:parameter/prod/db';
    expect(evaluatePolicy(prod, PARAM, { arn: prodArn, name: '/prod/db' })).toBe('deny');
    expect(evaluateRequest(prod, PARAM, parameterShapes('/prod/db/password'))).toBe('deny');
    expect(evaluateRequest(prod, PARAM, parameterShapes(prodArn))).toBe('deny');
    expect(evaluateRequest(prod, PARAM, parameterShapes('/dev/db'))).toBeUndefined();
    // The parameter ARN pattern says nothing about a secret of the same name.
    expect(evaluatePolicy(prod, GET, { arn: `${ARN}prod/db-AbCdEf`, name: 'prod/db' })).toBe('allow');
    const byName = policy({ Effect: 'Allow', Action: PARAM, Resource: '/app/*' });
    const appArn = 'arn:aws:ssm:eu-west-1:123456789012:parameter/app/flag';
    expect(evaluatePolicy(byName, PARAM, { arn: appArn, name: '/app/flag' })).toBe('allow');
    expect(evaluateRequest(byName, PARAM, parameterShapes(appArn))).toBeUndefined();
    expect(evaluatePolicy(byName, GET, { arn: appArn, name: '/app/flag' })).toBe('implicit-deny');
    const secrets = policy({ Effect: 'Allow', Action: '*', Resource: 'arn:aws:secretsmanager:*:*:secret:*' });
    expect(evaluatePolicy(secrets, PARAM, { arn: appArn, name: '/app/flag' })).toBe('implicit-deny');
    expect(evaluateRequest(secrets, PARAM, parameterShapes('/app/flag'))).toBe('implicit-deny');
  });

  it('treats regex characters in patterns literally', () => {
    const p = policy({ Effect: 'Allow', Action: GET, Resource: 'a.b+(c)' });
    expect(evaluatePolicy(p, GET, { arn: undefined, name: 'a.b+(c)' })).toBe('allow');
    expect(evaluatePolicy(p, GET, { arn: undefined, name: 'aXb+(c)' })).toBe('implicit-deny');
  });

  it('rejects unsupported fields and actions', () => {
    expect(() => policy({ Effect: 'Allow', Action: GET, Resource: '*', Condition: {} })).toThrow(/Condition/);
    expect(() => policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' })).toThrow(
      /unsupported action/,
    );
    expect(() => parsePolicy('{nope', 'f', 'k')).toThrow(/not valid JSON/);
  });
});
