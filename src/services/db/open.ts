import { constants, Database } from "bun:sqlite";
import { chmodSync, closeSync, openSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { ensurePrivateDir } from "../privateDir.ts";
import { migrate, userVersion } from "./migrations.ts";

/** How long a statement waits for another process's write lock before SQLite says "database is locked". */
export const BUSY_TIMEOUT_MS = 5000;

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

/** The file a connection was opened on: a path whose device or inode differ now names another file. */
export interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
}

export const fileIdentity = (path: string): FileIdentity | undefined => {
  const stat = statSync(path, { throwIfNoEntry: false });
  return stat ? { dev: stat.dev, ino: stat.ino } : undefined;
};

export interface OpenedDatabase {
  readonly db: Database;
  readonly schema: number;
  readonly file: FileIdentity | undefined;
  /** Opened for reading only, because the disk is full: every write fails at once. */
  readonly readOnly: boolean;
}

// SQLite's errors when the filesystem has no room left (the WAL index cannot grow: IOERR_SHMSIZE).
const isNoSpace = (e: unknown) =>
  /SQLITE_FULL|SQLITE_IOERR|ENOSPC|disk is full|disk I\/O error/i.test(String((e as { code?: unknown })?.code ?? "") + String(e));

const walIsEmpty = (path: string) => (statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0) === 0;

/**
 * On a full disk SQLite cannot create the WAL index a WAL reader needs. When the WAL holds nothing
 * (every commit is in the main file), the main file alone is the whole database: read it as
 * immutable, without the index. Nobody can commit meanwhile (there is no room), so nothing is missed.
 */
const openForReading = (path: string): OpenedDatabase => {
  const uri = `file:${path.replace(/[%?#]/g, (c) => encodeURIComponent(c))}?immutable=1`;
  const db = new Database(uri, constants.SQLITE_OPEN_READONLY | constants.SQLITE_OPEN_URI);
  try {
    return { db, schema: userVersion(db), file: fileIdentity(path), readOnly: true };
  } catch (cause) {
    db.close();
    throw cause;
  }
};

export const openDatabase = (path: string, now: number): OpenedDatabase => {
  try {
    return openWritable(path, now);
  } catch (cause) {
    if (isNoSpace(cause) && walIsEmpty(path) && statSync(path, { throwIfNoEntry: false })?.size) return openForReading(path);
    throw cause;
  }
};

const openWritable = (path: string, now: number): OpenedDatabase => {
  ensurePrivateDir(dirname(path));
  // Created here with 0600 so SQLite's -wal and -shm, which copy the database's mode, are private too.
  closeSync(openSync(path, "a", 0o600));
  restrict(path, 0o600);
  const db = new Database(path, { strict: true });
  try {
    // First, so every later statement waits for other processes instead of failing.
    db.run(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    switchToWal(db);
    db.run("PRAGMA synchronous = NORMAL");
    db.run("PRAGMA foreign_keys = ON");
    const schema = migrate(db, now);
    restrict(`${path}-wal`, 0o600);
    restrict(`${path}-shm`, 0o600);
    return { db, schema, file: fileIdentity(path), readOnly: false };
  } catch (cause) {
    db.close();
    throw cause;
  }
};
