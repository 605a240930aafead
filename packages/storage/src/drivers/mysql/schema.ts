import type { Pool } from "mysql2/promise";
import { quoteIdent } from "../../sql/archive-sql.js";

/**
 * The first exact, NO PAD utf8mb4 collation the server has. The default collations compare
 * case-insensitively, and the PAD SPACE ones (`utf8mb4_bin` too) ignore trailing spaces: either
 * would make two different keys, users or JIDs the same.
 */
export async function exactCollation(pool: Pool): Promise<string> {
  const wanted = ["utf8mb4_nopad_bin", "utf8mb4_0900_bin", "utf8mb4_bin"]; // MariaDB, MySQL 8, older
  const [rows] = await pool.query(
    `SELECT "COLLATION_NAME" AS "name" FROM "information_schema"."COLLATIONS" WHERE "COLLATION_NAME" IN (?)`,
    [wanted],
  );
  const have = new Set((rows as { name: string }[]).map((r) => r.name));
  return wanted.find((c) => have.has(c)) ?? "utf8mb4_bin";
}

/**
 * The Keyv table. Keyv keys are URI-encoded host, store and user, so always ASCII: one byte a
 * character lets the whole key (up to InnoDB's 3072-byte index limit) be the primary key.
 */
export function keyvDdl(table: string, collation: string): string {
  return `CREATE TABLE IF NOT EXISTS ${quoteIdent(table)} (
    "key" VARCHAR(3072) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    "value" LONGTEXT NOT NULL
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation}`;
}

/**
 * The archive table, with the columns and indexes of `archiveDdl` fitted to InnoDB: an index
 * holds at most 3072 bytes (768 utf8mb4 characters), less than host, user and key may be. The
 * key's uniqueness is kept on a stored hash of (host, user, store, key); the other indexes take
 * prefixes, which cover every realistic name whole (InnoDB rechecks the row on longer ones).
 */
export function archiveDdlMysql(table: string, collation: string): string {
  const i = (suffix: string) => quoteIdent(`${table}_${suffix}`);
  return `CREATE TABLE IF NOT EXISTS ${quoteIdent(table)} (
    "sort_id" BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    "host" VARCHAR(1023) NOT NULL,
    "user" VARCHAR(1023) NOT NULL,
    "store" VARCHAR(128) NOT NULL,
    "key" VARCHAR(1023) NOT NULL,
    "when" DOUBLE NOT NULL,
    "with" VARCHAR(3071),
    "type" VARCHAR(32) NOT NULL,
    "value" LONGTEXT NOT NULL,
    "key_hash" BINARY(32) AS (UNHEX(SHA2(CONCAT_WS(X'00', "host", "user", "store", "key"), 256))) STORED,
    UNIQUE KEY ${i("key")} ("key_hash"),
    KEY ${i("sort")} ("host"(191), "user"(191), "store"(64), "sort_id"),
    KEY ${i("with")} ("host"(128), "user"(128), "store"(32), "with"(128), "sort_id"),
    KEY ${i("when")} ("host"(191), "user"(191), "store"(64), "when")
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation}`;
}
