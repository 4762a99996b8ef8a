import { describe, expect, it } from 'vitest';
import { evaluatePolicy, parsePolicy } from '../src/auth/policy.js';

const GET = 'secretsmanager:GetSecretValue';
const BATCH = 'secretsmanager:BatchGetSecretValue';
const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:';

function policy(...Statement: unknown[]) {
  return parsePolicy({ Version: '2012-10-17', Statement }, 'test', 'policy');
}

describe('policy evaluation', () => {
  it('denies without a matching Allow', () => {
    const p = policy({ Effect: 'Allow', Action: GET, Resource: 'app/*' });
    expect(evaluatePolicy(p, GET, ['app/db'])).toBe('allow');
    expect(evaluatePolicy(p, GET, ['other/db'])).toBe('implicit-deny');
    expect(evaluatePolicy(p, BATCH, ['app/db'])).toBe('implicit-deny');
  });

  it('lets an explicit Deny win over an Allow', () => {
    const p = policy(
      { Effect: 'Allow', Action: 'secretsmanager:*', Resource: '*' },
      { Effect: 'Deny', Action: GET, Resource: 'app/admin-?' },
    );
    expect(evaluatePolicy(p, GET, ['app/admin-1'])).toBe('deny');
    expect(evaluatePolicy(p, GET, ['app/admin-10'])).toBe('allow');
    expect(evaluatePolicy(p, BATCH, ['app/admin-1'])).toBe('allow');
  });

  it('matches actions case-insensitively and resources case-sensitively', () => {
    const p = policy({ Effect: 'Allow', Action: ['SecretsManager:getsecretvalue'], Resource: 'App/*' });
    expect(evaluatePolicy(p, GET, ['App/x'])).toBe('allow');
    expect(evaluatePolicy(p, GET, ['app/x'])).toBe('implicit-deny');
  });

  it('compares ARN patterns with names and name patterns with ARNs', () => {
    const byArn = policy({ Effect: 'Allow', Action: GET, Resource: `${ARN}app/db-??????` });
    expect(evaluatePolicy(byArn, GET, [`${ARN}app/db-AbCdEf`])).toBe('allow');
    expect(evaluatePolicy(byArn, GET, ['app/db'])).toBe('allow');
    expect(evaluatePolicy(byArn, GET, ['app/dbx'])).toBe('implicit-deny');
    const denyArn = policy(
      { Effect: 'Allow', Action: GET, Resource: '*' },
      { Effect: 'Deny', Action: GET, Resource: 'arn:aws:secretsmanager:*:*:secret:prod/*' },
    );
    expect(evaluatePolicy(denyArn, GET, ['prod/db'])).toBe('deny');
    const byName = policy({ Effect: 'Allow', Action: GET, Resource: 'app/db' });
    expect(evaluatePolicy(byName, GET, [`${ARN}app/db-AbCdEf`])).toBe('allow');
    expect(evaluatePolicy(byName, GET, [`${ARN}app/other-AbCdEf`])).toBe('implicit-deny');
  });

  it('matches parameter ARN patterns against parameter names, and only for ssm: actions', () => {
    const PARAM = 'ssm:GetParameter';
    const prod = policy(
      { Effect: 'Allow', Action: ['ssm:GetParameter', GET], Resource: '*' },
      { Effect: 'Deny', Action: '*', Resource: 'arn:aws:ssm:*:*:parameter/prod/*' },
    );
    expect(evaluatePolicy(prod, PARAM, ['/prod/db/password'])).toBe('deny');
    expect(evaluatePolicy(prod, PARAM, ['prod/db'])).toBe('deny');
    expect(evaluatePolicy(prod, PARAM, ['arn:aws:ssm:us-east-1:123456789012:parameter/prod/db'])).toBe(
      'deny',
    );
    expect(evaluatePolicy(prod, PARAM, ['/dev/db'])).toBe('allow');
    // The parameter ARN pattern says nothing about a secret of the same name.
    expect(evaluatePolicy(prod, GET, ['prod/db'])).toBe('allow');
    const byName = policy({ Effect: 'Allow', Action: PARAM, Resource: '/app/*' });
    expect(evaluatePolicy(byName, PARAM, ['arn:aws:ssm:eu-west-1:123456789012:parameter/app/flag'])).toBe(
      'allow',
    );
    expect(evaluatePolicy(byName, GET, ['/app/flag'])).toBe('implicit-deny');
    const secrets = policy({ Effect: 'Allow', Action: '*', Resource: 'arn:aws:secretsmanager:*:*:secret:*' });
    expect(evaluatePolicy(secrets, PARAM, ['/app/flag'])).toBe('implicit-deny');
  });

  it('treats regex characters in patterns literally', () => {
    const p = policy({ Effect: 'Allow', Action: GET, Resource: 'a.b+(c)' });
    expect(evaluatePolicy(p, GET, ['a.b+(c)'])).toBe('allow');
    expect(evaluatePolicy(p, GET, ['aXb+(c)'])).toBe('implicit-deny');
  });

  it('rejects unsupported fields and actions', () => {
    expect(() => policy({ Effect: 'Allow', Action: GET, Resource: '*', Condition: {} })).toThrow(/Condition/);
    expect(() => policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' })).toThrow(
      /unsupported action/,
    );
    expect(() => parsePolicy('{nope', 'f', 'k')).toThrow(/not valid JSON/);
  });
});
