/**
 * Policy resource globs (`*` any run of characters, `?` one character, everything else literal), matched against a
 * known string, or against the shape of a string only partly known before the upstream read: a secret asked for by
 * name has an ARN whose partition, region, account and random suffix only the read tells.
 */

/** A character of a shape the read will tell: one letter or digit (a secret ARN's random suffix). */
export const ANY_ALNUM = 0;
/** One or more characters other than `:`, as an ARN field (partition, region, account). */
export const ANY_FIELD = 1;
export type ShapePart = string | typeof ANY_ALNUM | typeof ANY_FIELD;
/** A string in parts: literal text, and what is not known yet. */
export type Shape = readonly ShapePart[];

export interface Glob {
  readonly text: string;
  /** Matches a whole known string. */
  readonly regex: RegExp;
}

export function compileGlob(text: string, flags = ''): Glob {
  let source = '';
  for (const char of text) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[.+^${}()|[\]\\/-]/g, '\\$&');
  }
  return { text, regex: new RegExp(`^${source}$`, `s${flags}`) };
}

/** What a shape's character position may hold: a letter or digit; the first character of a field; the rest of a
 * field (zero or more characters, a loop). */
const Slot = { Alnum: 0, FieldFirst: 1, FieldRest: 2 } as const;
type ShapeToken = string | (typeof Slot)[keyof typeof Slot];

function shapeTokens(shape: Shape): ShapeToken[] {
  const tokens: ShapeToken[] = [];
  for (const part of shape) {
    if (part === ANY_ALNUM) tokens.push(Slot.Alnum);
    else if (part === ANY_FIELD) tokens.push(Slot.FieldFirst, Slot.FieldRest);
    else tokens.push(...part);
  }
  return tokens;
}

const ALNUM = /^[A-Za-z0-9]$/;

/**
 * Whether `glob` matches the string `shape` will turn out to be: `possible` if it matches at least one way the
 * unknown parts may be filled, `certain` if it matches every way (an unknown character is then matched only by a
 * `?` or `*`, an unknown run of characters only inside a `*`). Both automata are walked side by side.
 */
export function globMatchesShape(glob: Glob, shape: Shape, mode: 'possible' | 'certain'): boolean {
  const pattern = [...glob.text];
  const tokens = shapeTokens(shape);
  const width = tokens.length + 1;
  const seen = new Uint8Array((pattern.length + 1) * width);
  const stack: number[] = [0];
  const visit = (i: number, j: number) => {
    const at = i * width + j;
    if (seen[at] === 0) {
      seen[at] = 1;
      stack.push(at);
    }
  };
  seen[0] = 1;
  while (stack.length > 0) {
    const at = stack.pop() as number;
    const i = Math.floor(at / width);
    const j = at % width;
    if (i === pattern.length && j === tokens.length) return true;
    const g = pattern[i];
    const t = tokens[j];
    if (g === '*') visit(i + 1, j);
    if (t === Slot.FieldRest) visit(i, j + 1);
    if (g === undefined || t === undefined) continue;
    // Where the glob and the shape go on consuming one character together.
    const nextI = g === '*' ? i : i + 1;
    const nextJ = t === Slot.FieldRest ? j : j + 1;
    if (typeof t === 'string') {
      if (g === '*' || g === '?' || g === t) visit(nextI, nextJ);
    } else if (mode === 'possible') {
      if (g === '*' || g === '?' || (t === Slot.Alnum ? ALNUM.test(g) : g !== ':')) visit(nextI, nextJ);
    } else if (g === '*' || (g === '?' && t !== Slot.FieldRest)) {
      visit(nextI, nextJ);
    }
  }
  return false;
}
