import type { Database } from "bun:sqlite";
import { BUSY_TIMEOUT_MS, fileIdentity, type OpenedDatabase, openDatabase } from "./open.ts";

/**
 * The one SQLite connection of a JobStore, and the file it is on. A long-lived process (the
 * watchdog) asks each tick whether the path still names that file: a user who clears the state
 * directory leaves it a deleted file nobody else will ever write, and the next `start` makes a
 * new one. Closing a connection to a file no longer at its path neither checkpoints nor deletes
 * the `-wal` beside the new file (SQLite checks that first).
 */
export interface Connection {
  readonly db: () => Database;
  readonly opened: () => OpenedDatabase;
  /** Whether the path names another file than the open one (or none): one stat. */
  readonly replaced: () => boolean;
  /** Closes the connection and opens the path afresh (creating the database if need be). */
  readonly reopen: (now: number) => void;
  /** Until the matching `leaveNoWait`, no statement waits for another process's lock: a busy database fails at once. */
  readonly enterNoWait: () => void;
  readonly leaveNoWait: () => void;
  readonly close: () => void;
}

export const openConnection = (path: string, now: number): Connection => {
  let opened = openDatabase(path, now);
  let noWaitDepth = 0;
  const replaced = () => {
    const now = fileIdentity(path);
    return !now || !opened.file || now.dev !== opened.file.dev || now.ino !== opened.file.ino;
  };
  const setBusy = (ms: number) => { if (!opened.readOnly) opened.db.run(`PRAGMA busy_timeout = ${ms}`); };
  return {
    db: () => opened.db,
    opened: () => opened,
    replaced,
    reopen: (at) => {
      const next = openDatabase(path, at);
      opened.db.close();
      opened = next;
      if (noWaitDepth > 0) setBusy(0);
    },
    enterNoWait: () => { if (noWaitDepth++ === 0) setBusy(0); },
    leaveNoWait: () => { if (--noWaitDepth === 0) setBusy(BUSY_TIMEOUT_MS); },
    close: () => opened.db.close(),
  };
};
