import { randomInt } from 'node:crypto';
import { invalidParameter } from '../errors.js';
import type { Operation } from './context.js';

/** GetRandomPassword: characters drawn with node's CSPRNG from the classes the request allows. */

const LOWERCASE = 'abcdefghijklmnopqrstuvwxyz';
const UPPERCASE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const NUMBERS = '0123456789';
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

export const getRandomPassword: Operation = (input) => {
  const length = input.integer('PasswordLength', { min: 1, max: 4096 }) ?? 32;
  const excluded = new Set(input.string('ExcludeCharacters', { min: 0, max: 4096 }) ?? '');
  const classes = [
    { chars: LOWERCASE, skip: input.boolean('ExcludeLowercase') },
    { chars: UPPERCASE, skip: input.boolean('ExcludeUppercase') },
    { chars: NUMBERS, skip: input.boolean('ExcludeNumbers') },
    { chars: PUNCTUATION, skip: input.boolean('ExcludePunctuation') },
    { chars: ' ', skip: !input.boolean('IncludeSpace') },
  ]
    .filter((set) => !set.skip)
    .map((set) => [...set.chars].filter((c) => !excluded.has(c)).join(''))
    .filter((chars) => chars.length > 0);
  const requireEach = input.boolean('RequireEachIncludedType') ?? true;
  if (classes.length === 0) {
    throw invalidParameter('The password cannot be generated: every character type is excluded.');
  }
  if (requireEach && length < classes.length) {
    throw invalidParameter(
      `PasswordLength ${length} is too short to include one character of each of the ${classes.length} required character types.`,
    );
  }
  const pick = (chars: string) => chars[randomInt(chars.length)]!;
  const all = classes.join('');
  // One character of each required class, the rest from the whole alphabet, then a Fisher-Yates shuffle.
  const chars = requireEach ? classes.map(pick) : [];
  while (chars.length < length) chars.push(pick(all));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return { RandomPassword: chars.join('') };
};
