/**
 * `latchkey render --format dotenv` output read back by the three readers people use: `sh` (`set -a; . file`),
 * the `dotenv` npm package, and Docker Compose's `env_file` rules (modelled below from Compose's documentation).
 * Every value must read back exactly, or be refused with an error naming the key; never read back different.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SecretValue } from '@latchkey/sdk';
import { parse as dotenvParse } from 'dotenv';
import { describe, expect, it } from 'vitest';
import { dotenvFromJson, SecretFormatError } from '../../src/files/format.js';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-dotenv-'));

/**
 * Docker Compose's `env_file` syntax, from its documentation ("Env file syntax"): `VAR=VAL` lines; blank lines
 * and lines starting with `#` ignored; single-quoted values used literally, where `\'` is a quote and the value may
 * span lines; double-quoted values take the escapes `\n`, `\r`, `\t`, `\\`, `\"`, `\$` and interpolate `$VAR` and
 * `${VAR}`; unquoted values end at ` #` and are interpolated. An interpolation is an error here: it would read
 * back something else than was written.
 */
function composeEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let rest = text;
  const interpolationFree = (value: string, key: string) => {
    if (/\$(?:\{|[A-Za-z_])/.test(value)) throw new Error(`Compose would interpolate ${key}`);
    return value;
  };
  while (rest.length > 0) {
    rest = rest.replace(/^\s+/, '');
    if (rest.length === 0) break;
    if (rest.startsWith('#')) {
      rest = rest.slice(rest.indexOf('\n') < 0 ? rest.length : rest.indexOf('\n'));
      continue;
    }
    const eq = rest.indexOf('=');
    const key = rest.slice(0, eq).trim();
    rest = rest.slice(eq + 1);
    const quote = rest[0];
    if (quote === "'" || quote === '"') {
      let value = '';
      let i = 1;
      for (; i < rest.length; i++) {
        const char = rest[i] as string;
        if (char === '\\' && rest[i + 1] === quote) {
          value += quote;
          i++;
        } else if (char === quote) {
          break;
        } else if (quote === '"' && char === '\\' && i + 1 < rest.length) {
          const next = rest[i + 1] as string;
          const escaped = { n: '\n', r: '\r', t: '\t', '\\': '\\', $: '$$' }[next];
          value += escaped ?? `\\${next}`;
          i++;
        } else {
          value += char;
        }
      }
      if (i >= rest.length) throw new Error(`Compose: unterminated quoted value for ${key}`);
      out[key] = quote === '"' ? interpolationFree(value, key).replaceAll('$$', '$') : value;
      rest = rest.slice(i + 1).replace(/^[ \t]*(#[^\n]*)?/, '');
    } else {
      const end = rest.indexOf('\n') < 0 ? rest.length : rest.indexOf('\n');
      out[key] = interpolationFree(rest.slice(0, end).split(' #')[0]!.trimEnd(), key);
      rest = rest.slice(end);
    }
  }
  return out;
}

/** What `sh` sets after `set -a; . file`: the variables of the file, read back through node in that shell. */
function sourcedBySh(file: string): Record<string, string> {
  const output = execFileSync(
    '/bin/sh',
    [
      '-c',
      `set -a; . "$1"; exec "$2" -e 'process.stdout.write(JSON.stringify(process.env))'`,
      'sh',
      file,
      process.execPath,
    ],
    { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, encoding: 'utf8' },
  );
  return JSON.parse(output) as Record<string, string>;
}

function secret(fields: Record<string, string>): SecretValue {
  return {
    arn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:t-AbCdEf',
    name: 't',
    versionId: 'v1',
    versionStages: ['AWSCURRENT'],
    createdDate: undefined,
    string: JSON.stringify(fields),
  };
}

/** Renders `fields` as dotenv, reads the file with the three readers, and expects each to give back `fields`. */
function expectRoundTrip(fields: Record<string, string>): void {
  const text = dotenvFromJson(secret(fields));
  const file = join(dir, `${Math.random()}.env`);
  writeFileSync(file, text);
  const sh = sourcedBySh(file);
  const npm = dotenvParse(text);
  const compose = composeEnvFile(text);
  for (const [key, value] of Object.entries(fields)) {
    expect([key, sh[key]], 'sh').toEqual([key, value]);
    expect([key, npm[key]], 'dotenv package').toEqual([key, value]);
    expect([key, compose[key]], 'Docker Compose').toEqual([key, value]);
  }
}

const PRINTABLE = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));

describe('dotenv output read back by sh, the dotenv package and Docker Compose', () => {
  it('round-trips every printable ASCII character, alone between others, at the start and in pairs', () => {
    const fields: Record<string, string> = {};
    PRINTABLE.forEach((char, i) => {
      fields[`MIDDLE_${i}`] = `a${char}b`;
      fields[`START_${i}`] = `${char}z`;
      fields[`PAIR_${i}`] = `${char}${char}y`;
    });
    expectRoundTrip(fields);
  });

  it('round-trips the whole printable range but the single quote in one value, and newlines', () => {
    const range = PRINTABLE.filter((char) => char !== "'").join('');
    expectRoundTrip({
      RANGE: range,
      REVERSED: [...range].reverse().join(''),
      LINES: `first line\nsecond $HOME "line" \`date\`\n\nlast \\ line #`,
      PASSWORD: '*pK5$M;9rQ`z!]h~a#u&w)^{3=c%Yd+N<',
    });
  });

  it('round-trips a value with single quotes and none of $ ` \\ " (in double quotes)', () => {
    expectRoundTrip({ QUOTED: "it's 'quoted' # not a comment\nover lines!" });
  });

  it.each([
    ['the whole printable range', PRINTABLE.join('')],
    ["' with $", "it's $5"],
    ["' with a backtick", "`it's`"],
    ["' with a backslash", "it's \\"],
    ["' with a double quote", `it's "x"`],
    ['a trailing backslash', 'pw\\'],
    ['a carriage return', 'a\rb'],
  ])('refuses %s, naming the key and not the value', (_name, value) => {
    let caught: unknown;
    try {
      dotenvFromJson(secret({ TOKEN: value }));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SecretFormatError);
    expect((caught as Error).message).toContain("the value of 'TOKEN'");
    expect((caught as Error).message).not.toContain(value);
  });

  it('refuses a key that is not a variable name', () => {
    expect(() => dotenvFromJson(secret({ 'db-host': 'x' }))).toThrow(
      /'db-host' is not a valid environment variable name/,
    );
  });
});
