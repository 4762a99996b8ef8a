import { escape as escapeValue, format } from 'mysql2/promise';
import type { Account } from '../engine.js';
import { quoteAccount } from './grants.js';
import type { MysqlCapabilities } from './version.js';

/**
 * SQL text for each statement, chosen by server capability. Values go through mysql2's escaping; a statement
 * that holds a password is built just before it is sent and never logged.
 */

/** The logged-in user changes its own password, on whatever host its account has. */
export function ownPasswordStatement(caps: MysqlCapabilities, password: string): string {
  return caps.alterOwnUser
    ? format('ALTER USER CURRENT_USER() IDENTIFIED BY ?', [password])
    : format('SET PASSWORD = PASSWORD(?)', [password]);
}

/** The master sets another account's password. */
export function passwordForStatement(caps: MysqlCapabilities, account: Account, password: string): string {
  if (caps.alterUser) return `ALTER USER ${quoteAccount(account)} IDENTIFIED BY ${escapeValue(password)}`;
  return caps.passwordFunction
    ? `SET PASSWORD FOR ${quoteAccount(account)} = PASSWORD(${escapeValue(password)})`
    : `SET PASSWORD FOR ${quoteAccount(account)} = ${escapeValue(password)}`;
}

export function createUserStatement(account: Account, password: string): string {
  return `CREATE USER ${quoteAccount(account)} IDENTIFIED BY ${escapeValue(password)}`;
}

/** The TLS requirement columns of mysql.user. */
export interface TlsRequirement {
  readonly ssl_type: string;
  readonly ssl_cipher: string;
  readonly x509_issuer: string;
  readonly x509_subject: string;
}

function requireClause(requirement: TlsRequirement): string {
  switch (requirement.ssl_type.toUpperCase()) {
    case '':
      return 'NONE';
    case 'ANY':
      return 'SSL';
    case 'X509':
      return 'X509';
    default: {
      const parts = [
        requirement.ssl_cipher && `CIPHER ${escapeValue(requirement.ssl_cipher)}`,
        requirement.x509_issuer && `ISSUER ${escapeValue(requirement.x509_issuer)}`,
        requirement.x509_subject && `SUBJECT ${escapeValue(requirement.x509_subject)}`,
      ].filter(Boolean);
      return parts.length > 0 ? parts.join(' AND ') : 'SSL';
    }
  }
}

export function requireStatement(
  caps: MysqlCapabilities,
  account: Account,
  requirement: TlsRequirement,
): string {
  return caps.alterUser
    ? `ALTER USER ${quoteAccount(account)} REQUIRE ${requireClause(requirement)}`
    : `GRANT USAGE ON *.* TO ${quoteAccount(account)} REQUIRE ${requireClause(requirement)}`;
}

/** MySQL 8: the default roles of `account`, from mysql.default_roles. */
export function mysqlDefaultRolesStatement(account: Account, roles: readonly Account[]): string {
  const list = roles.length === 0 ? 'NONE' : roles.map(quoteAccount).join(', ');
  return `SET DEFAULT ROLE ${list} TO ${quoteAccount(account)}`;
}

/** MariaDB: no default role (a SHOW GRANTS `SET DEFAULT ROLE ... FOR` line, retargeted, sets one). */
export function mariadbNoDefaultRoleStatement(account: Account): string {
  return `SET DEFAULT ROLE NONE FOR ${quoteAccount(account)}`;
}

/**
 * Session settings: statement and lock timeouts so a step ends well within the Lambda timeout, and backslash
 * escapes on, which mysql2's client-side escaping relies on (NO_BACKSLASH_ESCAPES would break a password with `\`).
 */
export function sessionSettingStatements(
  caps: MysqlCapabilities,
  timeouts: { statementTimeoutMs: number; lockTimeoutMs: number },
): string[] {
  const lockSeconds = Math.max(1, Math.ceil(timeouts.lockTimeoutMs / 1000));
  const statements = [
    "SET SESSION sql_mode = REPLACE(@@SESSION.sql_mode, 'NO_BACKSLASH_ESCAPES', '')",
    `SET SESSION lock_wait_timeout = ${lockSeconds}, SESSION innodb_lock_wait_timeout = ${lockSeconds}`,
  ];
  if (caps.statementTimeoutVariable === 'max_execution_time') {
    statements.push(`SET SESSION max_execution_time = ${Math.ceil(timeouts.statementTimeoutMs)}`);
  } else if (caps.statementTimeoutVariable === 'max_statement_time') {
    statements.push(`SET SESSION max_statement_time = ${(timeouts.statementTimeoutMs / 1000).toFixed(3)}`);
  }
  return statements;
}
