import { Database } from "bun:sqlite";
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { migrate } from "./migrations.ts";

/** Takes from a path we own any permission beyond `mode`; never grants one, never touches others' paths. */
const restrict = (path: string, mode: number): void => {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat || stat.uid !== process.getuid?.()) return;
  const narrowed = stat.mode & mode & 0o777;
  if (narrowed !== (stat.mode & 0o777)) chmodSync(path, narrowed);
};

/**
 * Opens (creating if need be) a private WAL database and migrates it; returns its schema version,
 * which is above SCHEMA_VERSION when a newer codex-supervisor wrote it. Throws what fs or SQLite threw.
 */
const isBusy = (e: unknown) => /SQLITE_BUSY|database is locked/i.test(String((e as { code?: unknown })?.code ?? "") + String(e));

// Switching a fresh file to WAL needs an exclusive lock, and SQLite can report BUSY for it
// without consulting the busy handler when several processes open the file at once: retry.
const switchToWal = (db: Database) => {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      db.run("PRAGMA journal_mode = WAL");
      return;
    } catch (e) {
      if (!isBusy(e) || Date.now() > deadline) throw e;
      Bun.sleepSync(10 + Math.random() * 40);
    }
  }
};

export const openDatabase = (path: string, now: number): { readonly db: Database; readonly schema: number } => {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  restrict(dirname(path), 0o700);
  // Created here with 0600 so SQLite's -wal and -shm, which copy the database's mode, are private too.
  closeSync(openSync(path, "a", 0o600));
  restrict(path, 0o600);
  const db = new Database(path, { strict: true });
  try {
    // First, so every later statement waits for other processes instead of failing.
    db.run("PRAGMA busy_timeout = 5000");
    switchToWal(db);
    db.run("PRAGMA synchronous = NORMAL");
    db.run("PRAGMA foreign_keys = ON");
    const schema = migrate(db, now);
    restrict(`${path}-wal`, 0o600);
    restrict(`${path}-shm`, 0o600);
    return { db, schema };
  } catch (cause) {
    db.close();
    throw cause;
  }
};
