import { Database } from "bun:sqlite";
import { existsSync, readdirSync, realpathSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";

/** A thread Codex started, as its state database or its rollout file's first line records it. */
export interface ThreadCandidate {
  readonly id: string;
  readonly rolloutPath: string;
  /** Milliseconds since the epoch (the state db keeps whole seconds). */
  readonly createdAt: number;
  readonly cwd: string;
  /** The prompt, as Codex titled the thread. */
  readonly title: string | undefined;
}

/** Threads started in `cwd` between two instants, in milliseconds since the epoch, inclusive. */
export interface ThreadWindow {
  readonly cwd: string;
  readonly startedAfter: number;
  readonly startedBefore: number;
}

const DAY_MS = 86_400_000;
const MAX_DAYS = 62;
const THREAD_ID = /^[0-9A-Za-z-]+$/;

/** Codex's newest state database; the numeric suffix changes between Codex versions. */
export const stateDbPath = (codexHome: string): string | undefined => {
  const names = safeReaddir(codexHome)
    .map((name) => ({ name, n: /^state_(\d+)\.sqlite$/.exec(name)?.[1] }))
    .filter((f): f is { name: string; n: string } => f.n !== undefined)
    .sort((a, b) => Number(b.n) - Number(a.n));
  return names[0] ? join(codexHome, names[0].name) : undefined;
};

/** Runs a read against Codex's state db; a missing, locked or reshaped db is simply no answer. */
const fromStateDb = <T>(codexHome: string, read: (db: Database) => T): T | undefined => {
  const path = stateDbPath(codexHome);
  if (!path) return undefined;
  let db: Database | undefined;
  try {
    db = new Database(path, { readonly: true });
    db.exec("PRAGMA busy_timeout = 250");
    return read(db);
  } catch {
    return undefined;
  } finally {
    db?.close();
  }
};

const inHome = (codexHome: string, path: string) => (isAbsolute(path) ? path : join(codexHome, path));

export const rolloutFromStateDb = (codexHome: string, threadId: string): string | undefined => {
  const row = fromStateDb(codexHome, (db) =>
    db.query<{ rollout_path: unknown }, [string]>("SELECT rollout_path FROM threads WHERE id = ?").get(threadId));
  const path = typeof row?.rollout_path === "string" && row.rollout_path !== "" ? inHome(codexHome, row.rollout_path) : undefined;
  return path && existsSync(path) ? path : undefined;
};

/** Finds a thread's rollout by its file name, in the dated session folders and the archive. */
export const globRollout = async (codexHome: string, threadId: string): Promise<string | undefined> => {
  if (!THREAD_ID.test(threadId)) return undefined;
  for (const [folder, pattern] of [["sessions", `*/*/*/rollout-*-${threadId}.jsonl`], ["archived_sessions", `rollout-*-${threadId}.jsonl`]] as const) {
    const cwd = join(codexHome, folder);
    if (!existsSync(cwd)) continue;
    for await (const path of new Bun.Glob(pattern).scan({ cwd, absolute: true, onlyFiles: true })) return path;
  }
  return undefined;
};

/** Seconds or milliseconds, whichever the db used: a seconds value this large would be far in the future. */
const toMs = (t: number) => (t > 1e12 ? t : t * 1000);

export const threadsFromStateDb = (codexHome: string, window: ThreadWindow): ThreadCandidate[] => {
  const lo = Math.floor(window.startedAfter / 1000) - 1;
  const hi = Math.ceil(window.startedBefore / 1000);
  const rows = fromStateDb(codexHome, (db) =>
    db.query<Record<string, unknown>, [number, number, number, number]>(
      "SELECT id, rollout_path, created_at, cwd, title FROM threads WHERE created_at BETWEEN ? AND ? OR created_at BETWEEN ? AND ?",
    ).all(lo, hi, window.startedAfter, window.startedBefore)) ?? [];
  const sameCwd = cwdMatcher(window.cwd);
  return rows.flatMap((r) => {
    const { id, rollout_path: path, created_at: created, cwd, title } = r;
    if (typeof id !== "string" || typeof path !== "string" || typeof created !== "number" || typeof cwd !== "string") return [];
    const createdAt = toMs(created);
    // Whole seconds: the thread may have started up to a second after the recorded value.
    if (createdAt + 999 < window.startedAfter || createdAt > window.startedBefore || !sameCwd(cwd)) return [];
    return [{ id, rolloutPath: inHome(codexHome, path), createdAt, cwd, title: typeof title === "string" ? title : undefined }];
  });
};

/** The local time in a rollout's name: `rollout-2026-11-21T04-36-41-<thread id>.jsonl`. */
export const rolloutNameTime = (name: string): number | undefined => {
  const m = /^rollout-(\d{4})-(\d{2})-(\d{2})T(\d{2})-(\d{2})-(\d{2})/.exec(name);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return new Date(y, mo - 1, d, h, mi, s).getTime();
};

/**
 * Rollout files that may belong to the window: the dated folders are in local time, so the
 * days either side are listed too, and a name far outside the window is not opened.
 */
export const rolloutFilesNear = (codexHome: string, window: ThreadWindow): string[] => {
  const dirs = new Set<string>();
  const last = Math.min(window.startedBefore, window.startedAfter + MAX_DAYS * DAY_MS) + DAY_MS;
  // Half-day steps visit every local date even across a daylight-saving change.
  for (let t = window.startedAfter - DAY_MS; t <= last; t += DAY_MS / 2) {
    const day = new Date(t);
    dirs.add(join(codexHome, "sessions", String(day.getFullYear()), pad(day.getMonth() + 1), pad(day.getDate())));
  }
  const files: string[] = [];
  for (const dir of dirs) {
    for (const name of safeReaddir(dir)) {
      if (!name.startsWith("rollout-") || !name.endsWith(".jsonl")) continue;
      const at = rolloutNameTime(name);
      if (at !== undefined && (at < window.startedAfter - 120_000 || at > window.startedBefore + 120_000)) continue;
      files.push(join(dir, name));
    }
  }
  return files;
};

const pad = (n: number) => String(n).padStart(2, "0");

const safeReaddir = (dir: string): string[] => {
  try { return readdirSync(dir); } catch { return []; }
};

/** Whether a recorded cwd is the given directory, spelled directly or through symlinks (/tmp on macOS). */
export const cwdMatcher = (cwd: string): ((recorded: string) => boolean) => {
  const spellings = new Set([resolve(cwd)]);
  try { spellings.add(realpathSync(cwd)); } catch { /* gone: its spelling is all there is */ }
  return (recorded) => spellings.has(resolve(recorded));
};
