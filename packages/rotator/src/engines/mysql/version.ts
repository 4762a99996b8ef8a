/** A MySQL-family server version, parsed from `SELECT VERSION()` (never a prefix test: issue edge case 9). */
export interface MysqlServerVersion {
  readonly flavor: 'mysql' | 'mariadb';
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** Aurora MySQL's own version (`3.05.2` in `8.0.mysql_aurora.3.05.2`), when the string carries it. */
  readonly aurora: string | undefined;
}

/**
 * Parses `8.0.36`, `9.1.0`, `8.4.3-log`, `5.7.mysql_aurora.2.11.2`, `8.0.mysql_aurora.3.05.2`,
 * `10.11.6-MariaDB-1:10.11.6+maria~ubu2204`, and the `5.5.5-10.11.6-MariaDB` form old protocol handshakes send.
 */
export function parseMysqlVersion(text: string): MysqlServerVersion {
  const trimmed = text.trim();
  const isMariadb = /mariadb/i.test(trimmed);
  const body = isMariadb ? trimmed.replace(/^5\.5\.5-/, '') : trimmed;
  const aurora = /^(\d+)\.(\d+)\.mysql_aurora\.([\d.]+)/i.exec(body);
  if (aurora) {
    // Aurora MySQL 2 is compatible with 5.7.12 and later, 3 with 8.0.23 and later; the string omits the patch.
    const major = Number(aurora[1]);
    const minor = Number(aurora[2]);
    return { flavor: 'mysql', major, minor, patch: major === 5 ? 12 : 23, aurora: aurora[3] };
  }
  const numbers = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(body);
  if (!numbers) throw new Error('unrecognised MySQL-family server version string');
  return {
    flavor: isMariadb ? 'mariadb' : 'mysql',
    major: Number(numbers[1]),
    minor: Number(numbers[2]),
    patch: Number(numbers[3] ?? 0),
    aurora: undefined,
  };
}

export function versionAtLeast(
  version: MysqlServerVersion,
  major: number,
  minor: number,
  patch = 0,
): boolean {
  if (version.major !== major) return version.major > major;
  if (version.minor !== minor) return version.minor > minor;
  return version.patch >= patch;
}

/** What the server supports, decided once per session from its version. */
export interface MysqlCapabilities {
  /** `ALTER USER CURRENT_USER() IDENTIFIED BY` without privileges: MySQL 5.7.6+ (MariaDB needs CREATE USER for it). */
  readonly alterOwnUser: boolean;
  /** `ALTER USER 'u'@'h' IDENTIFIED BY` / `REQUIRE` for another user: MySQL 5.7.6+, MariaDB 10.2+. */
  readonly alterUser: boolean;
  /** `SET PASSWORD ... = PASSWORD(...)` exists: removed in MySQL 8.0, kept by MariaDB. */
  readonly passwordFunction: boolean;
  /** Roles with default roles kept in `mysql.default_roles` (MySQL 8.0+). */
  readonly mysqlDefaultRoles: boolean;
  /** Roles with `SET DEFAULT ROLE r FOR u` shown by SHOW GRANTS (MariaDB 10.1+). */
  readonly mariadbDefaultRoles: boolean;
  /** The session variable bounding statement time: `max_execution_time` (ms, MySQL 5.7.8+) or MariaDB's `max_statement_time` (s, 10.1+). */
  readonly statementTimeoutVariable: 'max_execution_time' | 'max_statement_time' | undefined;
}

export function mysqlCapabilities(version: MysqlServerVersion): MysqlCapabilities {
  if (version.flavor === 'mariadb') {
    return {
      alterOwnUser: false,
      alterUser: versionAtLeast(version, 10, 2),
      passwordFunction: true,
      mysqlDefaultRoles: false,
      mariadbDefaultRoles: versionAtLeast(version, 10, 1),
      statementTimeoutVariable: versionAtLeast(version, 10, 1) ? 'max_statement_time' : undefined,
    };
  }
  return {
    alterOwnUser: versionAtLeast(version, 5, 7, 6),
    alterUser: versionAtLeast(version, 5, 7, 6),
    passwordFunction: !versionAtLeast(version, 8, 0),
    mysqlDefaultRoles: versionAtLeast(version, 8, 0),
    mariadbDefaultRoles: false,
    statementTimeoutVariable: versionAtLeast(version, 5, 7, 8) ? 'max_execution_time' : undefined,
  };
}
