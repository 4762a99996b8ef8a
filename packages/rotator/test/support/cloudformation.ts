/**
 * Checks a CloudFormation template against CloudFormation's resource schemas, as published in the AWS CDK's
 * service specification (`@aws-cdk/aws-service-spec`): every resource type exists; every property is known, of the
 * right type, and the required ones are present (in nested property types too); every `Fn::GetAtt` names an
 * attribute the resource has; every `Ref` names a parameter, a resource or a pseudo parameter. Intrinsic functions
 * whose value is only known at deploy time pass, but both branches of an `Fn::If` are checked.
 */
import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import type { PropertyType, Resource, ResourceProperties, SpecDatabase } from '@aws-cdk/service-spec-types';

interface Template {
  readonly Parameters?: Record<string, unknown>;
  readonly Conditions?: Record<string, unknown>;
  readonly Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId',
  'AWS::NoValue',
  'AWS::NotificationARNs',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
]);

let database: SpecDatabase | undefined;
function spec(): SpecDatabase {
  database ??= loadAwsServiceSpecSync();
  return database;
}

function resourceType(type: string): Resource | undefined {
  return spec().lookup('resource', 'cloudFormationType', 'equals', type)[0];
}

/** An object of one key that is `Ref` or `Fn::…`: its value is known only at deploy time. */
function intrinsic(value: unknown): [string, unknown] | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  const [key] = keys;
  return keys.length === 1 && key !== undefined && (key === 'Ref' || key.startsWith('Fn::'))
    ? [key, (value as Record<string, unknown>)[key]]
    : undefined;
}

export function validateTemplate(template: Template): string[] {
  const problems: string[] = [];
  const names = new Set([
    ...Object.keys(template.Parameters ?? {}),
    ...Object.keys(template.Resources),
    ...PSEUDO_PARAMETERS,
  ]);

  /** Refs and GetAtts anywhere in `value`, which may be a policy document or other free-form JSON. */
  const checkReferences = (value: unknown, at: string): void => {
    const fn = intrinsic(value);
    if (fn?.[0] === 'Ref' && !names.has(fn[1] as string)) problems.push(`${at}: Ref to unknown "${fn[1]}"`);
    if (fn?.[0] === 'Fn::GetAtt') {
      const [logical, attribute] = fn[1] as [string, string];
      const target = template.Resources[logical];
      const type = target && resourceType(target.Type);
      if (!type) problems.push(`${at}: Fn::GetAtt on unknown resource "${logical}"`);
      else if (!(attribute in type.attributes))
        problems.push(`${at}: ${target.Type} has no attribute "${attribute}"`);
    }
    if (fn?.[0] === 'Fn::If' && !(((fn[1] as unknown[])[0] as string) in (template.Conditions ?? {})))
      problems.push(`${at}: Fn::If on unknown condition "${(fn[1] as unknown[])[0]}"`);
    if (typeof value === 'object' && value !== null)
      for (const [key, item] of Object.entries(value)) checkReferences(item, `${at}.${key}`);
  };

  const checkValue = (value: unknown, type: PropertyType, at: string): void => {
    const fn = intrinsic(value);
    if (fn?.[0] === 'Fn::If') {
      const [, whenTrue, whenFalse] = fn[1] as [string, unknown, unknown];
      for (const branch of [whenTrue, whenFalse]) {
        if (intrinsic(branch)?.[1] !== 'AWS::NoValue') checkValue(branch, type, at);
      }
      return;
    }
    if (fn) return;
    const wrong = (expected: string) =>
      problems.push(`${at}: expected ${expected}, got ${JSON.stringify(value)}`);
    switch (type.type) {
      case 'string':
      case 'date-time':
        // CloudFormation turns numbers and booleans into strings.
        if (!['string', 'number', 'boolean'].includes(typeof value)) wrong('a string');
        else if (type.type === 'string' && type.allowedValues && !type.allowedValues.includes(String(value)))
          wrong(`one of ${type.allowedValues.join(', ')}`);
        break;
      case 'number':
      case 'integer':
        if (typeof value !== 'number' && !(typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)))
          wrong('a number');
        break;
      case 'boolean':
        if (typeof value !== 'boolean' && value !== 'true' && value !== 'false') wrong('a boolean');
        break;
      case 'json':
      case 'null':
        break;
      case 'tag':
        checkProperties(
          value,
          {
            Key: { type: { type: 'string' }, required: true },
            Value: { type: { type: 'string' }, required: true },
          },
          at,
        );
        break;
      case 'array':
        if (!Array.isArray(value)) wrong('a list');
        else for (const [index, item] of value.entries()) checkValue(item, type.element, `${at}[${index}]`);
        break;
      case 'map':
        if (typeof value !== 'object' || value === null || Array.isArray(value)) wrong('a map');
        else for (const [key, item] of Object.entries(value)) checkValue(item, type.element, `${at}.${key}`);
        break;
      case 'union': {
        // Valid when one of the types accepts it: each try's problems are taken back.
        const failures = type.types.map((option) => {
          const mark = problems.length;
          checkValue(value, option, at);
          return problems.splice(mark).length;
        });
        if (!failures.includes(0)) wrong(`one of ${type.types.map((option) => option.type).join(', ')}`);
        break;
      }
      case 'ref':
        checkProperties(value, spec().get('typeDefinition', type.reference).properties, at);
        break;
    }
  };

  const checkProperties = (value: unknown, properties: ResourceProperties, at: string): void => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push(`${at}: expected an object, got ${JSON.stringify(value)}`);
      return;
    }
    const given = value as Record<string, unknown>;
    for (const [name, item] of Object.entries(given)) {
      const property = properties[name];
      if (!property) problems.push(`${at}: unknown property "${name}"`);
      else checkValue(item, property.type, `${at}.${name}`);
    }
    for (const [name, property] of Object.entries(properties)) {
      if (property.required && !(name in given)) problems.push(`${at}: missing required property "${name}"`);
    }
  };

  for (const [logical, resource] of Object.entries(template.Resources)) {
    const type = resourceType(resource.Type);
    if (!type) {
      problems.push(`${logical}: unknown resource type ${resource.Type}`);
      continue;
    }
    checkProperties(resource.Properties ?? {}, type.properties, logical);
    checkReferences(resource.Properties ?? {}, logical);
  }
  return problems;
}
