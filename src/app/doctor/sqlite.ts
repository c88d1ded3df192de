import { constants, Database } from "bun:sqlite";
import { existsSync } from "node:fs";

const uri = (path: string) => `file:${path.split("/").map(encodeURIComponent).join("/")}`;

/**
 * Opens a SQLite file without writing anything beside it. A WAL database at rest has no
 * -wal/-shm, and a read-only connection would create (and leave) both; with no -wal there
 * is nothing unmerged to read, so it is opened immutable. With a -wal (a writer has it open)
 * the files already exist and a plain read-only connection reads through them.
 */
export const openReadOnly = (path: string): Database =>
  existsSync(`${path}-wal`)
    ? new Database(path, { readonly: true })
    : new Database(`${uri(path)}?immutable=1`, constants.SQLITE_OPEN_READONLY | constants.SQLITE_OPEN_URI);

/** Runs a read and always closes the connection. */
export const readSqlite = <A>(path: string, read: (db: Database) => A): A => {
  const db = openReadOnly(path);
  try {
    db.run("PRAGMA busy_timeout = 1000");
    return read(db);
  } finally {
    db.close();
  }
};
