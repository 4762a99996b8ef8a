import { describe, expect, it } from 'vitest';
import {
  grantFingerprint,
  grantStatementFor,
  parseGrantLine,
  revokeStatementsFor,
} from '../../src/engines/mysql/grants.js';
import {
  mysqlDefaultRolesStatement,
  ownPasswordStatement,
  passwordForStatement,
  requireStatement,
  sessionSettingStatements,
} from '../../src/engines/mysql/statements.js';
import { mysqlCapabilities, parseMysqlVersion } from '../../src/engines/mysql/version.js';

const caps = (version: string) => mysqlCapabilities(parseMysqlVersion(version));

describe('MySQL-family version parsing', () => {
  it.each([
    ['8.0.36', { flavor: 'mysql', major: 8, minor: 0, patch: 36, aurora: undefined }],
    ['9.1.0', { flavor: 'mysql', major: 9, minor: 1, patch: 0, aurora: undefined }],
    ['8.4.3-log', { flavor: 'mysql', major: 8, minor: 4, patch: 3, aurora: undefined }],
    ['5.7.44-log', { flavor: 'mysql', major: 5, minor: 7, patch: 44, aurora: undefined }],
    ['8.0.mysql_aurora.3.05.2', { flavor: 'mysql', major: 8, minor: 0, patch: 23, aurora: '3.05.2' }],
    ['5.7.mysql_aurora.2.11.2', { flavor: 'mysql', major: 5, minor: 7, patch: 12, aurora: '2.11.2' }],
    ['10.11.6-MariaDB', { flavor: 'mariadb', major: 10, minor: 11, patch: 6, aurora: undefined }],
    ['5.5.5-10.11.6-MariaDB-log', { flavor: 'mariadb', major: 10, minor: 11, patch: 6, aurora: undefined }],
    ['11.4.2-MariaDB-ubu2404', { flavor: 'mariadb', major: 11, minor: 4, patch: 2, aurora: undefined }],
  ])('%s', (text, expected) => {
    expect(parseMysqlVersion(text)).toEqual(expected);
  });

  it('rejects a string with no version number', () => {
    expect(() => parseMysqlVersion('unknown')).toThrow(/unrecognised/);
  });
});

describe('password statements by server', () => {
  it('uses ALTER USER CURRENT_USER() on MySQL 5.7, 8.x, 9.x and Aurora MySQL (not a prefix test on "8")', () => {
    for (const version of [
      '5.7.44',
      '8.0.36',
      '8.4.3',
      '9.1.0',
      '8.0.mysql_aurora.3.05.2',
      '5.7.mysql_aurora.2.11.2',
    ]) {
      expect(ownPasswordStatement(caps(version), "p'w\\d")).toBe(
        "ALTER USER CURRENT_USER() IDENTIFIED BY 'p\\'w\\\\d'",
      );
    }
  });

  it('uses SET PASSWORD = PASSWORD() on MariaDB (ALTER USER needs CREATE USER there) and MySQL 5.6', () => {
    expect(ownPasswordStatement(caps('10.11.6-MariaDB'), 'x')).toBe("SET PASSWORD = PASSWORD('x')");
    expect(ownPasswordStatement(caps('5.6.51'), 'x')).toBe("SET PASSWORD = PASSWORD('x')");
  });

  it("sets another account's password on its real host", () => {
    const account = { username: 'app_clone', host: '10.0.%' };
    expect(passwordForStatement(caps('9.1.0'), account, 'x')).toBe(
      "ALTER USER 'app_clone'@'10.0.%' IDENTIFIED BY 'x'",
    );
    expect(passwordForStatement(caps('10.11.6-MariaDB'), account, 'x')).toBe(
      "ALTER USER 'app_clone'@'10.0.%' IDENTIFIED BY 'x'",
    );
    expect(passwordForStatement(caps('5.6.51'), account, 'x')).toBe(
      "SET PASSWORD FOR 'app_clone'@'10.0.%' = PASSWORD('x')",
    );
  });

  it('copies TLS requirements', () => {
    const account = { username: 'u', host: '%' };
    const none = { ssl_type: '', ssl_cipher: '', x509_issuer: '', x509_subject: '' };
    expect(requireStatement(caps('8.0.36'), account, none)).toBe("ALTER USER 'u'@'%' REQUIRE NONE");
    expect(requireStatement(caps('8.0.36'), account, { ...none, ssl_type: 'ANY' })).toBe(
      "ALTER USER 'u'@'%' REQUIRE SSL",
    );
    expect(
      requireStatement(caps('5.6.51'), account, { ...none, ssl_type: 'SPECIFIED', x509_subject: "/CN=o'k" }),
    ).toBe("GRANT USAGE ON *.* TO 'u'@'%' REQUIRE SUBJECT '/CN=o\\'k'");
  });

  it('sets MySQL 8 default roles and bounds statement and lock time', () => {
    expect(mysqlDefaultRolesStatement({ username: 'c', host: '%' }, [{ username: 'r', host: '%' }])).toBe(
      "SET DEFAULT ROLE 'r'@'%' TO 'c'@'%'",
    );
    expect(mysqlDefaultRolesStatement({ username: 'c', host: '%' }, [])).toBe(
      "SET DEFAULT ROLE NONE TO 'c'@'%'",
    );
    expect(
      sessionSettingStatements(caps('8.0.36'), { statementTimeoutMs: 10_000, lockTimeoutMs: 5_000 }),
    ).toContain('SET SESSION max_execution_time = 10000');
    expect(
      sessionSettingStatements(caps('10.11.6-MariaDB'), { statementTimeoutMs: 10_000, lockTimeoutMs: 5_000 }),
    ).toContain('SET SESSION max_statement_time = 10.000');
  });
});

describe('SHOW GRANTS lines', () => {
  const clone = { username: 'app_clone', host: '%' };

  it('keeps WITH GRANT OPTION and drops the IDENTIFIED clause when retargeting', () => {
    const line = parseGrantLine(
      "GRANT USAGE ON *.* TO `app`@`%` IDENTIFIED BY PASSWORD '*9F75CEF7FD0C75DC40611DD8F86B6FFF569BF56D' REQUIRE SSL",
    )!;
    expect(grantStatementFor(line, clone)).toBe("GRANT USAGE ON *.* TO 'app_clone'@'%' REQUIRE SSL");
    const withOption = parseGrantLine(
      'GRANT SELECT (`a`), INSERT ON `test`.`x` TO `app`@`%` WITH GRANT OPTION',
    )!;
    expect(grantStatementFor(withOption, clone)).toBe(
      "GRANT SELECT (`a`), INSERT ON `test`.`x` TO 'app_clone'@'%' WITH GRANT OPTION",
    );
  });

  it('is not fooled by " TO " or " ON " inside quoted names, nor by % in them', () => {
    const line = parseGrantLine('GRANT SELECT ON `a TO b`.`x ON y` TO `odd TO user`@`10.%`')!;
    expect(grantStatementFor(line, clone)).toBe("GRANT SELECT ON `a TO b`.`x ON y` TO 'app_clone'@'%'");
    expect(revokeStatementsFor(line, clone)).toEqual([
      "REVOKE SELECT ON `a TO b`.`x ON y` FROM 'app_clone'@'%'",
    ]);
    const percent = parseGrantLine('GRANT ALL PRIVILEGES ON `%`.* TO `app`@`%`')!;
    expect(grantStatementFor(percent, clone)).toBe("GRANT ALL PRIVILEGES ON `%`.* TO 'app_clone'@'%'");
  });

  it('handles roles, default roles and partial revokes', () => {
    expect(grantStatementFor(parseGrantLine('GRANT `r1` TO `app`@`%`')!, clone)).toBe(
      "GRANT `r1` TO 'app_clone'@'%'",
    );
    expect(revokeStatementsFor(parseGrantLine('GRANT `r1`,`r2` TO `app`@`%`')!, clone)).toEqual([
      "REVOKE `r1`,`r2` FROM 'app_clone'@'%'",
    ]);
    expect(grantStatementFor(parseGrantLine('SET DEFAULT ROLE `r1` FOR `app`@`%`')!, clone)).toBe(
      "SET DEFAULT ROLE `r1` FOR 'app_clone'@'%'",
    );
    expect(grantStatementFor(parseGrantLine('REVOKE INSERT ON `mysql`.* FROM `app`@`%`')!, clone)).toBe(
      "REVOKE INSERT ON `mysql`.* FROM 'app_clone'@'%'",
    );
  });

  it('fingerprints the same grant equally for two accounts and revokes a grant option too', () => {
    const a = parseGrantLine('GRANT SELECT ON `db`.* TO `app`@`%` WITH GRANT OPTION')!;
    const b = parseGrantLine("GRANT SELECT ON `db`.* TO 'app_clone'@'%' WITH GRANT OPTION")!;
    expect(grantFingerprint(a)).toBe(grantFingerprint(b));
    expect(revokeStatementsFor(b, clone)).toEqual([
      "REVOKE SELECT ON `db`.* FROM 'app_clone'@'%'",
      "REVOKE GRANT OPTION ON `db`.* FROM 'app_clone'@'%'",
    ]);
    expect(revokeStatementsFor(parseGrantLine('GRANT USAGE ON *.* TO `app`@`%`')!, clone)).toEqual([]);
  });
});
