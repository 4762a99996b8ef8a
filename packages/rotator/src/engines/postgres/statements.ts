import { escapeIdentifier, escapeLiteral } from 'pg';

/**
 * Utility statements such as ALTER ROLE take no server-side parameters, so identifiers and literals go through
 * node-postgres's escapeIdentifier/escapeLiteral. The password is only ever sent as its verifier.
 */
export function setPasswordStatement(role: string, verifier: string): string {
  return `ALTER ROLE ${escapeIdentifier(role)} PASSWORD ${escapeLiteral(verifier)}`;
}

/** The master's form: also (re)enables LOGIN, which a role may lack when it existed before the clone. */
export function setLoginPasswordStatement(role: string, verifier: string): string {
  return `ALTER ROLE ${escapeIdentifier(role)} WITH LOGIN PASSWORD ${escapeLiteral(verifier)}`;
}

export function createRoleStatement(role: string): string {
  return `CREATE ROLE ${escapeIdentifier(role)} WITH LOGIN`;
}

export function grantMembershipStatement(group: string, member: string): string {
  return `GRANT ${escapeIdentifier(group)} TO ${escapeIdentifier(member)}`;
}

/**
 * Sessions of `member` act as `group`, so objects the clone creates belong to the original user and stay readable
 * by it (AWS issues #38, #56, #175: tables created by `app_clone` were unreadable by `app`).
 */
export function actAsGroupStatement(member: string, group: string): string {
  return `ALTER ROLE ${escapeIdentifier(member)} SET role = ${escapeLiteral(group)}`;
}

/** Is `member` directly a member of `group`? ($1 = group, $2 = member) */
export const DIRECT_MEMBERSHIP_QUERY =
  'SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE g.rolname = $1 AND u.rolname = $2';

/** A table, view or materialized view the session's current_user may SELECT from, outside system schemas. */
export const READABLE_TABLE_QUERY = `SELECT n.nspname AS schema, c.relname AS name
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f')
    AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
    AND has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(c.oid, 'SELECT')
  ORDER BY n.nspname, c.relname LIMIT 1`;

export function probeTableStatement(schema: string, name: string): string {
  return `SELECT 1 FROM ${escapeIdentifier(schema)}.${escapeIdentifier(name)} LIMIT 0`;
}
