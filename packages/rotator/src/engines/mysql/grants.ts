import { escape as escapeValue } from 'mysql2';
import type { Account } from '../engine.js';

/**
 * SHOW GRANTS lines, understood well enough to copy them to another account and to tell which ones differ.
 * The scan respects quoting, so an object name containing ` TO ` or ` ON ` does not break it (defect 3 of
 * AWS's function, which splits on the first ` TO `), and `WITH GRANT OPTION` and other clauses after the
 * grantee are kept.
 */
export interface GrantLine {
  /** `grant` (privileges, roles, PROXY), `revoke` (MySQL 8 partial revokes), `default-role` (MariaDB). */
  readonly kind: 'grant' | 'revoke' | 'default-role';
  /** Text before the grantee keyword, e.g. "GRANT SELECT ON `db`.*". */
  readonly head: string;
  /** ` TO `, ` FROM ` or ` FOR `. */
  readonly keyword: string;
  /** Clauses after the grantee (`WITH GRANT OPTION`, `REQUIRE SSL`), without any IDENTIFIED clause. */
  readonly tail: string;
}

/** Start offsets of `needle` in `text` outside quotes (`...`, '...', "..."). */
function topLevelIndexes(text: string, needle: string): number[] {
  const found: number[] = [];
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quote !== undefined) {
      if (char === '\\' && quote !== '`') i++;
      else if (char === quote) {
        if (text[i + 1] === quote) i++;
        else quote = undefined;
      }
      continue;
    }
    if (char === '`' || char === "'" || char === '"') quote = char;
    else if (text.startsWith(needle, i)) found.push(i);
  }
  return found;
}

/** Length of the quoted-or-bare account `user@host` at the start of `text`. */
function accountLength(text: string): number {
  let i = 0;
  const skipPart = () => {
    const quote = text[i];
    if (quote === '`' || quote === "'" || quote === '"') {
      i++;
      while (i < text.length) {
        if (text[i] === '\\' && quote !== '`') i += 2;
        else if (text[i] === quote && text[i + 1] === quote) i += 2;
        else if (text[i] === quote) {
          i++;
          return;
        } else i++;
      }
    } else {
      while (i < text.length && /[^\s@]/.test(text[i]!)) i++;
    }
  };
  skipPart();
  if (text[i] === '@') {
    i++;
    skipPart();
  }
  return i;
}

/** Drops `IDENTIFIED BY PASSWORD '...'` / `IDENTIFIED VIA ...` that MariaDB prints on the USAGE line. */
function withoutIdentifiedClause(tail: string): string {
  return tail
    .replace(
      /\s*IDENTIFIED\s+(?:BY\s+PASSWORD\s+'(?:[^'\\]|\\.|'')*'|VIA\s+.*?)(?=\s+(?:REQUIRE|WITH)\b|$)/i,
      '',
    )
    .trim();
}

export function parseGrantLine(line: string): GrantLine | undefined {
  const text = line.trim();
  const kind = /^GRANT\s/i.test(text)
    ? 'grant'
    : /^REVOKE\s/i.test(text)
      ? 'revoke'
      : /^SET\s+DEFAULT\s+ROLE\s/i.test(text)
        ? 'default-role'
        : undefined;
  if (kind === undefined) return undefined;
  const keyword = kind === 'grant' ? ' TO ' : kind === 'revoke' ? ' FROM ' : ' FOR ';
  const at = topLevelIndexes(text, keyword).at(-1);
  if (at === undefined) return undefined;
  const afterKeyword = text.slice(at + keyword.length);
  const tail = withoutIdentifiedClause(afterKeyword.slice(accountLength(afterKeyword)));
  return { kind, head: text.slice(0, at), keyword, tail };
}

export function quoteAccount(account: Account): string {
  return `${escapeValue(account.username)}@${escapeValue(account.host ?? '%')}`;
}

/** The line as it would read for `account`. */
export function grantStatementFor(line: GrantLine, account: Account): string {
  return `${line.head}${line.keyword}${quoteAccount(account)}${line.tail ? ` ${line.tail}` : ''}`;
}

/** A comparable form, the same for two accounts holding the same grant. */
export function grantFingerprint(line: GrantLine): string {
  return `${line.head}${line.keyword}<account>${line.tail ? ` ${line.tail}` : ''}`;
}

/** `GRANT USAGE ON *.*` grants nothing and cannot be revoked. */
export function isUsageOnly(line: GrantLine): boolean {
  return line.kind === 'grant' && /^GRANT\s+USAGE\s+ON\s/i.test(line.head);
}

/**
 * The REVOKE statements that undo a GRANT line for `account`: privileges on an object (with its grant option),
 * a PROXY grant, or role grants.
 */
export function revokeStatementsFor(line: GrantLine, account: Account): string[] {
  if (line.kind !== 'grant' || isUsageOnly(line)) return [];
  const grantee = quoteAccount(account);
  const body = line.head.replace(/^GRANT\s+/i, '');
  const on = topLevelIndexes(body, ' ON ')[0];
  if (on === undefined) return [`REVOKE ${body} FROM ${grantee}`];
  const privileges = body.slice(0, on);
  const object = body.slice(on + ' ON '.length);
  const statements = [`REVOKE ${privileges} ON ${object} FROM ${grantee}`];
  if (/\bWITH\s+GRANT\s+OPTION\b/i.test(line.tail) && !/^PROXY$/i.test(privileges.trim())) {
    statements.push(`REVOKE GRANT OPTION ON ${object} FROM ${grantee}`);
  }
  return statements;
}
