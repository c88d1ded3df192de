import { accessSync, constants, statSync } from "node:fs";
import { dirname } from "node:path";
import { SCHEMA_VERSION } from "../../services/db/migrations.ts";
import { type DoctorCheck, errorText, fail, ok, warn } from "./check.ts";
import { readSqlite } from "./sqlite.ts";

interface Entry {
  readonly mode: number;
  readonly uid: number;
}

export interface DatabaseFacts {
  readonly path: string;
  readonly dir: Entry | undefined;
  /** undefined: no file there. */
  readonly file: (Entry & { readonly isFile: boolean }) | undefined;
  /** When the file does not exist: the nearest existing folder above it, and whether we could create the rest. */
  readonly creatableFrom?: { readonly dir: string; readonly writable: boolean } | undefined;
  readonly contents?:
    | { readonly integrity: ReadonlyArray<string>; readonly schema: number; readonly jobs: number | undefined; readonly running: number | undefined }
    | { readonly error: string; readonly code: string | undefined }
    | undefined;
}

const entry = (path: string) => {
  const s = statSync(path, { throwIfNoEntry: false });
  return s ? { mode: s.mode & 0o777, uid: s.uid, isFile: s.isFile(), isDirectory: s.isDirectory() } : undefined;
};

const nearestExisting = (path: string): string => {
  for (let dir = path; ; dir = dirname(dir)) if (entry(dir) || dirname(dir) === dir) return dir;
};

const isWritable = (dir: string) => {
  try { accessSync(dir, constants.W_OK | constants.X_OK); return true; } catch { return false; }
};

const count = (rows: ReadonlyArray<{ n: number }>) => rows[0]?.n;

/** Looks at the job database without creating, migrating or locking it. */
export const databaseFacts = (path: string): DatabaseFacts => {
  const dir = entry(dirname(path));
  const file = entry(path);
  if (!file) {
    const from = nearestExisting(dirname(path));
    return { path, dir, file: undefined, creatableFrom: { dir: from, writable: isWritable(from) } };
  }
  if (!file.isFile) return { path, dir, file };
  try {
    const contents = readSqlite(path, (db) => {
      const integrity = db.query<{ integrity_check: string }, []>("PRAGMA integrity_check").all().map((r) => r.integrity_check);
      const schema = db.query<{ user_version: number }, []>("PRAGMA user_version").get()?.user_version ?? 0;
      const known = schema >= 1 && schema <= SCHEMA_VERSION;
      const jobs = known ? count(db.query<{ n: number }, []>("SELECT count(*) AS n FROM jobs").all()) : undefined;
      const running = known ? count(db.query<{ n: number }, []>("SELECT count(*) AS n FROM jobs WHERE status IN ('starting', 'running')").all()) : undefined;
      return { integrity, schema, jobs, running };
    });
    return { path, dir, file, contents };
  } catch (cause) {
    const code = (cause as { code?: unknown } | null)?.code;
    return { path, dir, file, contents: { error: errorText(cause), code: typeof code === "string" ? code : undefined } };
  }
};

const DB = { id: "database", title: "job database" };
const octal = (mode: number) => mode.toString(8).padStart(3, "0");

/** Private to its owner (dir 0700, file 0600), sound, and of a schema this version reads. */
export const judgeDatabase = (f: DatabaseFacts, uid: number): DoctorCheck => {
  if (!f.file) {
    const c = f.creatableFrom;
    if (c && !c.writable) {
      return fail({ ...DB, detail: `${f.path} does not exist and cannot be created: ${c.dir} is not writable` },
        "set database.path in the config (or CODEX_SUPERVISOR_DB) to a place you can write");
    }
    return ok({ ...DB, detail: `${f.path}: not created yet (the first start creates it, private to you)` });
  }
  if (!f.file.isFile) return fail({ ...DB, detail: `${f.path} is not a file` }, "set database.path in the config (or CODEX_SUPERVISOR_DB) to a file path");
  const c = f.contents;
  if (!c || "error" in c) {
    const notDb = c?.code === "SQLITE_NOTADB" || c?.code === "SQLITE_CORRUPT";
    return fail({ ...DB, detail: `${f.path} cannot be read: ${c?.error ?? "unknown error"}` },
      notDb ? `move it aside (mv ${f.path} ${f.path}.broken): the next start creates a new one, without the old jobs`
        : `check that you can read ${f.path}`);
  }
  if (c.integrity.length !== 1 || c.integrity[0] !== "ok") {
    return fail({ ...DB, detail: `${f.path} is damaged: integrity_check says\n${c.integrity.slice(0, 5).join("\n")}` },
      `copy it aside, then try sqlite3 ${f.path} ".recover" into a new file, or move it aside for a fresh one`);
  }
  if (c.schema > SCHEMA_VERSION) {
    return fail({ ...DB, detail: `${f.path} was written by a newer codex-supervisor (schema ${c.schema}, this version knows ${SCHEMA_VERSION}): it can be read, never changed` },
      "upgrade codex-supervisor");
  }
  const problems: string[] = [];
  const fixes: string[] = [];
  const others = (e: Entry) => (e.mode & 0o077) !== 0;
  if (f.dir && others(f.dir)) { problems.push(`its folder is mode ${octal(f.dir.mode)}, not 700`); fixes.push(`chmod 700 ${dirname(f.path)}`); }
  if (others(f.file)) { problems.push(`the file is mode ${octal(f.file.mode)}, not 600`); fixes.push(`chmod 600 ${f.path}`); }
  if (f.file.uid !== uid) problems.push(`it belongs to uid ${f.file.uid}, not you (${uid})`);
  const jobs = c.jobs === undefined ? "no jobs yet" : `${c.jobs} job${c.jobs === 1 ? "" : "s"}, ${c.running ?? 0} running`;
  const schema = c.schema < SCHEMA_VERSION ? `schema ${c.schema} (the next start migrates it to ${SCHEMA_VERSION})` : `schema ${c.schema}`;
  const detail = `${f.path}: ${schema}, ${jobs}, integrity ok`;
  if (problems.length > 0) {
    return warn({ ...DB, detail: `${detail}\nbut ${problems.join("; ")}: others may read the jobs' prompts and paths` },
      fixes.length > 0 ? fixes.join(" && ") : "use a database of your own (database.path or CODEX_SUPERVISOR_DB)");
  }
  return ok({ ...DB, detail });
};
