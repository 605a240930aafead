import pg from "pg";

/** Default connection for tests and benchmarks; override with CANTO_TEST_POSTGRES. */
export const TEST_POSTGRES_URL =
  process.env.CANTO_TEST_POSTGRES ?? "postgresql://postgres@127.0.0.1:5432/test";

/** The command that starts the project's PostgreSQL (see STACK.md). */
export const START_POSTGRES = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start";

/** Resolves true when a PostgreSQL server answers at `url` within `timeoutMs`. */
export async function probePostgres(url = TEST_POSTGRES_URL, timeoutMs = 1500): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}
