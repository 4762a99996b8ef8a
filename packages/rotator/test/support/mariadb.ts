import { randomBytes } from 'node:crypto';
import { type Connection, createConnection, format } from 'mysql2/promise';
import { SHARED_MARIADB } from '../../../../test/support/services.js';

/** A root connection to the shared MariaDB and the users/databases a test created, dropped by `cleanup()`. */
export interface MariadbFixture {
  readonly root: Connection;
  readonly database: string;
  /** A unique name with the given prefix. */
  name(prefix: string): string;
  createUser(username: string, host: string, password: string): Promise<void>;
  exec(sql: string, values?: (string | number)[]): Promise<void>;
  /** True when the credentials log in (from 127.0.0.1). */
  canLogin(username: string, password: string, database?: string): Promise<boolean>;
  cleanup(): Promise<void>;
}

export async function mariadbFixture(): Promise<MariadbFixture> {
  const root = await createConnection({ ...SHARED_MARIADB, charset: 'utf8mb4' });
  const suffix = randomBytes(4).toString('hex');
  const database = `lk_rot_${suffix}`;
  await root.query(`CREATE DATABASE ${database}`);
  const users: string[] = [];
  let counter = 0;
  return {
    root,
    database,
    name: (prefix) => `${prefix}${suffix}${counter++}`,
    async createUser(username, host, password) {
      await root.query(format('CREATE USER ?@? IDENTIFIED BY ?', [username, host, password]));
      users.push(format('?@?', [username, host]));
    },
    async exec(sql, values) {
      await root.query(values ? format(sql, values) : sql);
    },
    async canLogin(username, password, db) {
      try {
        const connection = await createConnection({
          host: SHARED_MARIADB.host,
          port: SHARED_MARIADB.port,
          user: username,
          password,
          database: db,
          charset: 'utf8mb4',
        });
        await connection.end();
        return true;
      } catch {
        return false;
      }
    },
    async cleanup() {
      // Users created by the code under test (clones) are found by name as well.
      const [rows] = await root.query<import('mysql2').RowDataPacket[]>(
        'SELECT User AS u, Host AS h, is_role AS r FROM mysql.user WHERE User LIKE ?',
        [`%${suffix}%`],
      );
      for (const row of rows) {
        if (row.r === 'Y') await root.query(format('DROP ROLE IF EXISTS ?', [row.u])).catch(() => undefined);
        else users.push(format('?@?', [row.u, row.h]));
      }
      for (const user of new Set(users))
        await root.query(`DROP USER IF EXISTS ${user}`).catch(() => undefined);
      await root.query(`DROP DATABASE IF EXISTS ${database}`);
      await root.end();
    },
  };
}
