import { createConnection } from "mysql2/promise";

/** Default server for tests and benchmarks; override with CANTO_TEST_MYSQL. */
export const TEST_MYSQL_URL = process.env.CANTO_TEST_MYSQL ?? "mysql://root@127.0.0.1:3306/test";

/** The command that starts the project's MariaDB. */
export const START_MYSQL =
  "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql";

/** Resolves true when a MySQL or MariaDB server answers at `url` within `timeoutMs`. */
export async function probeMysql(url = TEST_MYSQL_URL, timeoutMs = 1500): Promise<boolean> {
  try {
    const conn = await createConnection({ uri: url, connectTimeout: timeoutMs });
    try {
      await conn.query("SELECT 1");
      return true;
    } finally {
      await conn.end().catch(() => {});
    }
  } catch {
    return false;
  }
}
