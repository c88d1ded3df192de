import type { Database } from "bun:sqlite";

/** The database was written by a later codex-supervisor: it may be read, never written. */
export class SchemaTooNew extends Error {
  constructor(readonly path: string, readonly found: number, readonly known: number) {
    super(
      `${path} was written by a newer codex-supervisor (schema ${found}, this version knows ${known}); ` +
        "upgrade codex-supervisor to change it",
    );
    this.name = "SchemaTooNew";
  }
}

/**
 * Migration i takes `user_version` from i to i+1. Shipped migrations are never edited;
 * plain CREATE (no IF NOT EXISTS) so a migration that ran twice fails loudly.
 */
export const MIGRATIONS: ReadonlyArray<ReadonlyArray<string>> = [
  [
    `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`,
    // NOCASE on the key: ids resolve case-insensitively and prefix LIKE can use the index.
    `CREATE TABLE jobs (
      id TEXT PRIMARY KEY COLLATE NOCASE,
      name TEXT,
      cwd TEXT NOT NULL,
      status TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      ended_at INTEGER,
      codex_bin TEXT NOT NULL,
      codex_home TEXT NOT NULL,
      args_json TEXT NOT NULL,
      python_json TEXT NOT NULL,
      launcher_pid INTEGER NOT NULL,
      launcher_start TEXT NOT NULL,
      native_pid INTEGER,
      native_start TEXT,
      boot_id TEXT NOT NULL,
      uid INTEGER NOT NULL,
      thread_id TEXT,
      rollout_path TEXT,
      resumed_from TEXT REFERENCES jobs(id) ON DELETE SET NULL,
      exit_code INTEGER,
      kill_requested_at INTEGER
    )`,
    `CREATE INDEX jobs_status ON jobs(status, created_at)`,
    `CREATE INDEX jobs_created ON jobs(created_at)`,
    // job_id is no foreign key: an event may be about a process no job owns; prune deletes a job's events.
    `CREATE TABLE events (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      at INTEGER NOT NULL,
      job_id TEXT,
      pid INTEGER,
      kind TEXT NOT NULL,
      policy TEXT,
      action TEXT,
      message TEXT NOT NULL,
      data_json TEXT
    )`,
    `CREATE INDEX events_job ON events(job_id, id)`,
  ],
  // Which thread is a job's when it ended unseen: the prompt's digest tells neighbours apart.
  [`ALTER TABLE jobs ADD COLUMN prompt_digest TEXT`],
  // the job's cgroups (JSON: { dirs }), so any later kill — the watchdog's, another user's CLI — finds them
  [`ALTER TABLE jobs ADD COLUMN cgroup_json TEXT`],
  [
    // One row per firing of a policy for a subject: claimed by one watchdog before any action runs,
    // so two watchdogs (or a race at a takeover) never act twice on one firing.
    `CREATE TABLE firings (
      policy TEXT NOT NULL,
      subject TEXT NOT NULL,
      firing TEXT NOT NULL,
      owner TEXT NOT NULL,
      claimed_at INTEGER NOT NULL,
      done_at INTEGER,
      PRIMARY KEY (policy, subject, firing)
    )`,
  ],
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export const userVersion = (db: Database): number =>
  db.query<{ user_version: number }, []>("PRAGMA user_version").get()?.user_version ?? 0;

/**
 * Brings the database up to SCHEMA_VERSION and returns the version it is now at
 * (greater than SCHEMA_VERSION when a newer codex-supervisor wrote it; then nothing is touched).
 */
export const migrate = (db: Database, now: number): number => {
  if (userVersion(db) >= SCHEMA_VERSION) return userVersion(db);
  // IMMEDIATE takes the write lock up front, so concurrent openers queue here (busy_timeout)
  // and the version read inside is the one that counts.
  return db
    .transaction(() => {
      const from = userVersion(db);
      for (let version = from; version < SCHEMA_VERSION; version++) {
        for (const statement of MIGRATIONS[version] ?? []) db.run(statement);
        db.query("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)").run(version + 1, now);
      }
      if (from < SCHEMA_VERSION) db.run(`PRAGMA user_version = ${SCHEMA_VERSION}`);
      return Math.max(from, SCHEMA_VERSION);
    })
    .immediate();
};
