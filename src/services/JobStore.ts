import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as Clock from "effect/Clock";
import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import { DatabaseError, JobAmbiguous, JobNotFound } from "../core/errors.ts";
import { FINAL_STATUSES, type Job, type JobStatus } from "../core/job.ts";
import { SCHEMA_VERSION, SchemaTooNew } from "./db/migrations.ts";
import { openConnection } from "./db/connection.ts";
import { type ClaimResult, claimFiring, type FiringKey, finishFiring } from "./db/firings.ts";
import {
  eventToRow, JOB_COLUMNS, jobToRow, patchToColumns, rowToEvent, rowToJob,
  type EventRow, type JobEvent, type JobPatch, type JobRow, type NewEvent,
} from "./db/rows.ts";
import { fn } from "../core/fn.ts";
import { jobFilesRoot, removeJobFiles } from "./jobFiles.ts";

export type { EventKind, JobEvent, JobPatch, NewEvent } from "./db/rows.ts";
export type { ClaimResult, FiringKey } from "./db/firings.ts";
export { SchemaTooNew } from "./db/migrations.ts";

export type FinalStatus = Exclude<JobStatus, "starting" | "running">;

export interface ListJobsOptions {
  /** Every job, not only those still starting or running. */
  readonly all?: boolean | undefined;
  readonly limit?: number | undefined;
}

export interface ListEventsOptions {
  readonly jobId?: string | undefined;
  /** Only events after this id, for following a log. */
  readonly sinceId?: number | undefined;
  /** Keeps the newest events; after `sinceId`, the next ones instead, so a follower never skips any. */
  readonly limit?: number | undefined;
}

export interface StartedIn {
  readonly cwd: string;
  readonly codexHome: string;
  readonly from: number;
  readonly to: number;
}

export interface JobStoreService {
  readonly insert: (job: Job) => Effect.Effect<void, DatabaseError>;
  readonly get: (id: string) => Effect.Effect<Job | undefined, DatabaseError>;
  /** A full id or a unique prefix of one, any case. */
  readonly resolve: (query: string) => Effect.Effect<Job, JobNotFound | JobAmbiguous | DatabaseError>;
  /** Newest first. */
  readonly list: (options?: ListJobsOptions) => Effect.Effect<ReadonlyArray<Job>, DatabaseError>;
  /**
   * Ended jobs whose end is at or after `since`, among those created at or after `createdSince`
   * (which lets the status index bound the read), oldest end first, at most `limit`.
   */
  readonly endedSince: (options: { readonly since: number; readonly createdSince: number; readonly limit: number }) => Effect.Effect<ReadonlyArray<Job>, DatabaseError>;
  /** Jobs started in one folder, under one CODEX_HOME, between two instants (inclusive), oldest first. */
  readonly startedIn: (place: StartedIn) => Effect.Effect<ReadonlyArray<Job>, DatabaseError>;
  /** Whether a job with that id exists (and so was updated). */
  readonly update: (id: string, patch: JobPatch) => Effect.Effect<boolean, DatabaseError>;
  /** Records the end unless the job already ended; whether it did. */
  readonly markEnded: (id: string, status: FinalStatus, endedAt: number) => Effect.Effect<boolean, DatabaseError>;
  readonly appendEvent: (event: NewEvent) => Effect.Effect<number, DatabaseError>;
  /** Oldest first. */
  readonly listEvents: (options?: ListEventsOptions) => Effect.Effect<ReadonlyArray<JobEvent>, DatabaseError>;
  /** Deletes ended jobs (their events and their files too) that ended before the given time; how many jobs. */
  readonly prune: (options: { readonly endedBefore: number }) => Effect.Effect<number, DatabaseError>;
  /**
   * SQLite's data_version: it changes when another connection (a CLI, the MCP server) commits,
   * never for this one's own writes. Equal values mean nobody else changed anything.
   */
  readonly dataVersion: () => Effect.Effect<number, DatabaseError>;
  /**
   * Records that a kill of the job was asked for at `at`, unless one already was. An end recorded
   * as `exited` since then (someone saw the tree go before this record landed) was the kill.
   */
  readonly markKillRequested: (id: string, at: number) => Effect.Effect<void, DatabaseError>;
  /** Claims one firing of a policy for `owner` (see claimFiring); only a `claimed` or `retry` may act. */
  readonly claimFiring: (key: FiringKey, owner: string, ownerAlive: (owner: string) => boolean) => Effect.Effect<ClaimResult, DatabaseError>;
  readonly finishFiring: (key: FiringKey, owner: string) => Effect.Effect<void, DatabaseError>;
  /**
   * Runs `effect` with no waiting on another process's write lock: a write then fails at once
   * instead of after the busy timeout. For work that must not be held up by the database (a kill).
   */
  readonly withoutWaiting: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>;
  /** Whether the database path now names another file (or none) than the open one: one stat. */
  readonly replaced: () => boolean;
  /** Opens the database path afresh (after `replaced`). */
  readonly reopen: () => Effect.Effect<void, DatabaseError>;
  readonly path: string;
  readonly close: () => Effect.Effect<void>;
  /** The folder of a job's own files (Codex's output, its exit status), beside the database. */
  readonly filesDir: (jobId: string) => string;
  /** How many jobs the database holds in each status (statuses with none are absent). */
  readonly countByStatus: () => Effect.Effect<ReadonlyMap<string, number>, DatabaseError>;
  /** When the first job created at or after `at` was created (an index seek): no older process is any job's. */
  readonly firstCreatedSince: (at: number) => Effect.Effect<number | undefined, DatabaseError>;
}

const quoted = (values: ReadonlyArray<string>): string => values.map((v) => `'${v}'`).join(", ");
const FINAL = quoted(FINAL_STATUSES);
const ACTIVE = quoted(["starting", "running"] satisfies ReadonlyArray<JobStatus>);
const SELECT_JOBS = `SELECT ${JOB_COLUMNS.join(", ")} FROM jobs`;
const NEWEST_FIRST = "ORDER BY created_at DESC, rowid DESC";
const PRUNABLE = `status IN (${FINAL}) AND coalesce(ended_at, created_at) < $before`;

const make = fn("JobStore.open")(function* (path: string) {
  const now = yield* Clock.currentTimeMillis;
  const connection = yield* Effect.acquireRelease(
    Effect.try({ try: () => openConnection(path, now), catch: (cause) => new DatabaseError({ path, operation: "open", cause }) }),
    (c) => Effect.sync(() => c.close()),
  );
  const db = connection.db;
  const cannotWrite = () => {
    const { schema, readOnly } = connection.opened();
    if (schema > SCHEMA_VERSION) return new SchemaTooNew(path, schema, SCHEMA_VERSION);
    return readOnly ? new Error("the disk is full: the database was opened for reading only") : undefined;
  };

  // db.query compiles each distinct SQL text once and caches it on this connection.
  const read = <A>(operation: string, run: () => A) =>
    Effect.try({ try: run, catch: (cause) => new DatabaseError({ path, operation, cause }) });
  const write = <A>(operation: string, run: () => A) => Effect.suspend(() => {
    const cause = cannotWrite();
    return cause ? Effect.fail(new DatabaseError({ path, operation, cause })) : read(operation, run);
  });
  const selectJob = (id: string) => db().query<JobRow, [string]>(`${SELECT_JOBS} WHERE id = ?`).get(id);

  const insert = fn("JobStore.insert")(function* (job: Job) {
    const row = jobToRow(job);
    const columns = Object.keys(row);
    yield* write("insert", () =>
      db().query(`INSERT INTO jobs (${columns.join(", ")}) VALUES (${columns.map((c) => `$${c}`).join(", ")})`).run(row),
    );
  });

  const get = fn("JobStore.get")(function* (id: string) {
    return yield* read("get", () => {
      const row = selectJob(id);
      return row ? rowToJob(row) : undefined;
    });
  });

  const resolve = fn("JobStore.resolve")(function* (query: string) {
    const prefix = query.trim();
    // Only id characters, so the LIKE pattern holds no wildcard but the trailing one.
    if (!/^[0-9a-z-]+$/i.test(prefix)) return yield* new JobNotFound({ query });
    const exact = yield* get(prefix);
    if (exact) return exact;
    const rows = yield* read("resolve", () =>
      db().query<JobRow, [string]>(`${SELECT_JOBS} WHERE id LIKE ? ${NEWEST_FIRST} LIMIT 6`).all(`${prefix}%`),
    );
    const [only, ...others] = rows;
    if (!only) return yield* new JobNotFound({ query });
    if (others.length > 0) return yield* new JobAmbiguous({ query, matches: rows.slice(0, 5).map((r) => r.id) });
    return yield* read("resolve", () => rowToJob(only));
  });

  const list = fn("JobStore.list")(function* (options: ListJobsOptions = {}) {
    const where = options.all ? "" : `WHERE status IN (${ACTIVE})`;
    return yield* read("list", () =>
      db().query<JobRow, [number]>(`${SELECT_JOBS} ${where} ${NEWEST_FIRST} LIMIT ?`).all(options.limit ?? -1).map(rowToJob),
    );
  });

  const endedSince = fn("JobStore.endedSince")(function* (options: { readonly since: number; readonly createdSince: number; readonly limit: number }) {
    return yield* read("endedSince", () =>
      db().query<JobRow, Record<string, number>>(
        `${SELECT_JOBS} WHERE status IN (${FINAL}) AND created_at >= $created AND coalesce(ended_at, created_at) >= $since ORDER BY coalesce(ended_at, created_at), rowid LIMIT $limit`,
      ).all({ created: options.createdSince, since: options.since, limit: options.limit }).map(rowToJob),
    );
  });

  const startedIn = fn("JobStore.startedIn")(function* (place: StartedIn) {
    return yield* read("startedIn", () =>
      db().query<JobRow, [number, number, string, string]>(
        `${SELECT_JOBS} WHERE created_at BETWEEN ? AND ? AND cwd = ? AND codex_home = ? ORDER BY created_at, rowid`,
      ).all(place.from, place.to, place.cwd, place.codexHome).map(rowToJob),
    );
  });

  const update = fn("JobStore.update")(function* (id: string, patch: JobPatch) {
    const columns = patchToColumns(patch);
    const names = Object.keys(columns);
    if (names.length === 0) return yield* read("update", () => selectJob(id) !== null);
    const sets = names.map((n) => `${n} = $${n}`).join(", ");
    return yield* write("update", () => db().query(`UPDATE jobs SET ${sets} WHERE id = $id`).run({ ...columns, id }).changes > 0);
  });

  const markEnded = fn("JobStore.markEnded")(function* (id: string, status: FinalStatus, endedAt: number) {
    return yield* write("markEnded", () =>
      db().query(`UPDATE jobs SET status = ?, ended_at = ? WHERE id = ? AND status NOT IN (${FINAL})`)
        .run(status, endedAt, id).changes > 0,
    );
  });

  const appendEvent = fn("JobStore.appendEvent")(function* (event: NewEvent) {
    const at = event.at ?? (yield* Clock.currentTimeMillis);
    return yield* write("appendEvent", () => {
      const row = eventToRow(event, at);
      const columns = Object.keys(row);
      const sql = `INSERT INTO events (${columns.join(", ")}) VALUES (${columns.map((c) => `$${c}`).join(", ")})`;
      return Number(db().query(sql).run(row).lastInsertRowid);
    });
  });

  const listEvents = fn("JobStore.listEvents")(function* (options: ListEventsOptions = {}) {
    const where = `${options.jobId === undefined ? "" : "job_id = $jobId AND"} id > $since`;
    const sql = options.sinceId === undefined
      ? `SELECT * FROM (SELECT * FROM events WHERE ${where} ORDER BY id DESC LIMIT $limit) ORDER BY id`
      : `SELECT * FROM events WHERE ${where} ORDER BY id LIMIT $limit`;
    const params = { since: options.sinceId ?? 0, limit: options.limit ?? -1 };
    return yield* read("listEvents", () =>
      db().query<EventRow, Record<string, string | number>>(sql)
        .all(options.jobId === undefined ? params : { ...params, jobId: options.jobId })
        .map(rowToEvent),
    );
  });

  // an id is a UUID we made; anything else (a row written by hand) never names a folder outside jobs/
  const filesDir = (jobId: string) => join(jobFilesRoot(path), /^[0-9a-f-]+$/i.test(jobId) ? jobId.toLowerCase() : "invalid-id");

  const prune = fn("JobStore.prune")(function* (options: { readonly endedBefore: number }) {
    const pruned = yield* write("prune", () =>
      db().transaction((before: number) => {
        const ids = db().query<{ id: string }, { before: number }>(`SELECT id FROM jobs WHERE ${PRUNABLE}`).all({ before }).map((r) => r.id);
        db().query(`DELETE FROM events WHERE job_id IN (SELECT id FROM jobs WHERE ${PRUNABLE})`).run({ before });
        // an untracked program's firings go with their age: its key names a process, not a job
        db().query(`DELETE FROM firings WHERE subject IN (SELECT id FROM jobs WHERE ${PRUNABLE}) OR (subject LIKE 'pid:%' AND claimed_at < $before)`).run({ before });
        db().query(`DELETE FROM jobs WHERE ${PRUNABLE}`).run({ before });
        return ids;
      }).immediate(options.endedBefore),
    );
    // after the commit: a job's files outlive its record only if this is cut short, never the reverse
    yield* Effect.sync(() => { for (const id of pruned) removeJobFiles(filesDir(id)); });
    return pruned.length;
  });

  const dataVersion = () => read("dataVersion", () => db().query<{ data_version: number }, []>("PRAGMA data_version").get()?.data_version ?? 0);

  const markKillRequested = fn("JobStore.markKillRequested")(function* (id: string, at: number) {
    yield* write("markKillRequested", () =>
      db().query(
        `UPDATE jobs SET kill_requested_at = coalesce(kill_requested_at, $at),
           status = CASE WHEN status = 'exited' AND ended_at >= $at THEN 'killed' ELSE status END
         WHERE id = $id`,
      ).run({ id, at }),
    );
  });

  const claim = fn("JobStore.claimFiring")(function* (key: FiringKey, owner: string, ownerAlive: (owner: string) => boolean) {
    const at = yield* Clock.currentTimeMillis;
    return yield* write("claimFiring", () => claimFiring(db(), key, owner, at, ownerAlive));
  });

  const finish = fn("JobStore.finishFiring")(function* (key: FiringKey, owner: string) {
    const at = yield* Clock.currentTimeMillis;
    yield* write("finishFiring", () => finishFiring(db(), key, owner, at));
  });

  const countByStatus = () => read("countByStatus", () =>
    new Map(db().query<{ status: string; n: number }, []>("SELECT status, count(*) AS n FROM jobs GROUP BY status").all().map((r) => [r.status, r.n])));

  const firstCreatedSince = (at: number) => read("firstCreatedSince", () =>
    db().query<{ first: number | null }, [number]>("SELECT min(created_at) AS first FROM jobs WHERE created_at >= ?").get(at)?.first ?? undefined);

  const withoutWaiting = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.acquireUseRelease(Effect.sync(connection.enterNoWait), () => effect, () => Effect.sync(connection.leaveNoWait));

  const reopen = fn("JobStore.reopen")(function* () {
    const at = yield* Clock.currentTimeMillis;
    yield* Effect.try({ try: () => connection.reopen(at), catch: (cause) => new DatabaseError({ path, operation: "reopen", cause }) });
  });

  const close = () => Effect.sync(() => connection.close());

  return JobStore.of({
    insert, get, resolve, list, endedSince, startedIn, update, markEnded, appendEvent, listEvents, prune, dataVersion,
    markKillRequested, claimFiring: claim, finishFiring: finish, withoutWaiting, replaced: connection.replaced, reopen, path, close, filesDir, firstCreatedSince, countByStatus,
  });
});

/** The job database (bun:sqlite, WAL), shared safely by every CLI, the MCP server and the watchdog. */
export class JobStore extends Context.Service<JobStore, JobStoreService>()("codex-supervisor/JobStore") {
  static readonly layer = (path: string) => Layer.effect(JobStore, make(path));
  static readonly layerTest = Layer.effect(
    JobStore,
    Effect.gen(function* () {
      const dir = yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), "codex-supervisor-"))),
        (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true })),
      );
      return yield* make(join(dir, "jobs.db"));
    }),
  );
}
