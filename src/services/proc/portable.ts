import { execFile, execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import type { Counters, ProcessInfo, ProcessStatus } from "../../core/process.ts";
import { countersOf, sameProcess } from "../../core/process.ts";
import {
  type OpenFilesOf, parseBoottime, parseEnvironment, parseLsof, parsePidAndText, parsePsRow, parsePsStatus, psEnvironmentFlag, PS_COLUMNS, PS_STATUS_COLUMNS,
} from "./psFormat.ts";
import type { Watermark } from "./linux.ts";

// Where there is no /proc (macOS, the BSDs), or when asked for (CODEX_SUPERVISOR_PROCESS_TABLE=portable):
// every fact from `ps` and `lsof`, which print the same columns on procps and BSD. One `ps` gives the
// whole table (command lines, CPU time, memory, start to the second); a second the environments
// (`ps e`/`ps -E`, one's own processes only); one `lsof` the cwd and open files of all
// the processes a look asks about. What could not be read is said (`gaps`), never taken as nothing.
// Environments and open files are read for the processes a look names (`prepare`), not for all:
// `ps e` of a whole busy table costs what the snapshot does.

/** How a gap in open files begins (`gaps`): what tells a caller that threads cannot be found by them. */
export const FILES_GAP = "open files and working directories";

/** The C locale: `lstart` in English, whatever the user's. */
const C_LOCALE = { ...process.env, LC_ALL: "C", LANG: "C" };
/** ps and lsof print a few MB at most; the default 1 MB is too little for a busy machine's environments. */
const MAX_BUFFER = 256 * 1024 * 1024;
/** A snapshot younger than this answers a quiet tick's counters and reads: the one `ps` of that tick. */
const FRESH_MS = 250;
/** Generations of snapshots kept for `startedSince` to compare against. */
const KEPT_GENERATIONS = 4;

interface Run { readonly stdout: string; readonly code: number; readonly missing: boolean }

const run = (command: string, args: ReadonlyArray<string>): Promise<Run> => new Promise((resolve) => {
  execFile(command, args, { encoding: "utf8", maxBuffer: MAX_BUFFER, env: C_LOCALE }, (error, stdout) => {
    const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
    resolve({ stdout: stdout ?? "", code, missing: error?.code === "ENOENT" });
  });
});

const lines = (text: string) => text.split("\n").filter((line) => line.trim() !== "");

interface Look {
  readonly generation: number;
  readonly at: number;
  readonly table: ReadonlyArray<ProcessInfo>;
  readonly byPid: ReadonlyMap<number, ProcessInfo>;
  readonly command: ReadonlyMap<number, string>;
  /** The raw rows of `ps … e` read for this look, by PID (a PID read and not there: none). */
  readonly environments: Map<number, string | undefined>;
  readonly files: Map<number, OpenFilesOf>;
  /** The lsof a `prepare` started and nobody has waited on yet. */
  filesPending: Promise<void> | undefined;
}

/** The portable backend's state, owned by the ProcessTable layer that made it: the last looks and what was read of them. */
export const portableProc = (platform: NodeJS.Platform = process.platform) => {
  let generation = 0;
  let latest: Look | undefined;
  const generations = new Map<number, ReadonlySet<string>>();
  const unread = new Set<string>();

  /** One `ps e` for every process asked about that this look has not read yet. */
  const readEnvironments = async (look: Look, pids: ReadonlyArray<number>): Promise<void> => {
    const wanted = [...new Set(pids)].filter((pid) => !look.environments.has(pid));
    if (wanted.length === 0) return;
    const r = await run("ps", ["-ww", psEnvironmentFlag(platform), "-o", "pid=,args=", "-p", wanted.join(",")]);
    // exit 1: none of them is left
    if (r.code !== 0 && r.code !== 1) unread.add("environments (`ps` with the environment failed)");
    for (const line of lines(r.stdout)) {
      const row = parsePidAndText(line);
      if (row) look.environments.set(row.pid, row.text);
    }
    for (const pid of wanted) if (!look.environments.has(pid)) look.environments.set(pid, undefined);
  };

  /** The whole table in one `ps`, the environments read beside it. */
  const snapshot = async (): Promise<ProcessInfo[]> => {
    const r = await run("ps", ["-A", "-ww", "-o", PS_COLUMNS]);
    if (r.code !== 0) throw new Error(`ps exited ${r.code}`);
    const table: ProcessInfo[] = [];
    const command = new Map<number, string>();
    for (const line of lines(r.stdout)) {
      const row = parsePsRow(line, existsSync);
      if (!row) continue;
      const { command: text, ...info } = row;
      table.push(info);
      command.set(info.pid, text);
    }
    generation++;
    generations.set(generation, new Set(table.map((p) => `${p.pid}:${p.startTime}`)));
    generations.delete(generation - KEPT_GENERATIONS);
    latest = { generation, at: Date.now(), table, byPid: new Map(table.map((p) => [p.pid, p])), command, environments: new Map(), files: new Map(), filesPending: undefined };
    return table;
  };

  const fresh = async (): Promise<Look> => {
    if (!latest || Date.now() - latest.at > FRESH_MS) await snapshot();
    return latest!;
  };

  /** One process now, synchronously: what a check just before a signal reads (`ps -p`). */
  const status = (pid: number): ProcessStatus | undefined => {
    let text: string;
    try {
      text = execFileSync("ps", ["-o", PS_STATUS_COLUMNS, "-p", String(pid)], { encoding: "utf8", env: C_LOCALE, stdio: ["ignore", "pipe", "ignore"] });
    } catch (e) {
      // ps exits 1 when no process matched
      if ((e as { status?: number }).status === 1) return undefined;
      throw e;
    }
    const found = parsePsStatus(lines(text)[0] ?? "");
    return found?.pid === pid ? found : undefined;
  };

  /** Several processes now in one `ps -p`, synchronously: what a kill reads of its members before each signal. */
  const statusAll = (pids: ReadonlyArray<number>): Map<number, ProcessStatus> => {
    const out = new Map<number, ProcessStatus>();
    if (pids.length === 0) return out;
    let text: string;
    try {
      text = execFileSync("ps", ["-o", PS_STATUS_COLUMNS, "-p", pids.join(",")], { encoding: "utf8", env: C_LOCALE, stdio: ["ignore", "pipe", "ignore"] });
    } catch (e) {
      // ps exits 1 when any of them is gone, and still prints the others
      const failed = e as { status?: number; stdout?: string };
      if (failed.status !== 1) throw e;
      text = failed.stdout ?? "";
    }
    for (const line of lines(text)) {
      const found = parsePsStatus(line);
      if (found) out.set(found.pid, found);
    }
    return out;
  };

  /** One process, command line included: from a snapshot taken this instant, else its own `ps -p`. */
  const read = async (pid: number): Promise<ProcessInfo | undefined> => {
    if (latest && Date.now() - latest.at <= FRESH_MS && latest.byPid.has(pid)) return latest.byPid.get(pid);
    const r = await run("ps", ["-ww", "-o", PS_COLUMNS, "-p", String(pid)]);
    const row = parsePsRow(lines(r.stdout)[0] ?? "", existsSync);
    if (!row || row.pid !== pid) return undefined;
    const { command: _, ...info } = row;
    return info;
  };

  // A watermark names the snapshot to come (observe reads it just before its snapshot): what the
  // next look finds that that snapshot did not hold started since.
  const watermark = (): Watermark => ({ lastPid: generation + 1, forks: generation + 1, tasks: 0 });

  const startedSince = async (since: Watermark): Promise<{ now: Watermark; processes: ProcessInfo[] } | undefined> => {
    const before = generations.get(since.forks);
    if (!before) return undefined;
    const table = await snapshot();
    return {
      now: { lastPid: generation, forks: generation, tasks: table.length },
      processes: table.filter((p) => !before.has(`${p.pid}:${p.startTime}`)),
    };
  };

  const counters = async (known: ReadonlyArray<ProcessInfo>): Promise<Counters> => {
    const look = await fresh();
    return countersOf(known, known.map((p) => sameProcess(p, look.byPid.get(p.pid))));
  };

  const environ = async (pid: number): Promise<Map<string, string> | undefined> => {
    const look = latest ?? (await fresh());
    await readEnvironments(look, [pid]);
    const raw = look.environments.get(pid);
    const command = look.command.get(pid);
    const parsed = raw === undefined || command === undefined ? undefined : parseEnvironment(raw, command);
    return parsed ?? (raw === undefined ? undefined : await environAfresh(pid));
  };

  /**
   * A process that exec'd since the snapshot (a login shell's `exec`) shows a command line the
   * snapshot did not read: both are read again, together, and the environment is what follows.
   */
  const environAfresh = async (pid: number): Promise<Map<string, string> | undefined> => {
    const [plain, withEnv] = await Promise.all([
      run("ps", ["-ww", "-o", "args=", "-p", String(pid)]),
      run("ps", ["-ww", psEnvironmentFlag(platform), "-o", "args=", "-p", String(pid)]),
    ]);
    const command = plain.stdout.replace(/\n$/, "");
    return command === "" ? undefined : parseEnvironment(withEnv.stdout.replace(/\n$/, ""), command);
  };

  /** One `lsof` for every process asked about that this look has not read yet. */
  const readFiles = async (look: Look, pids: ReadonlyArray<number>): Promise<void> => {
    const wanted = [...new Set(pids)].filter((pid) => !look.files.has(pid));
    if (wanted.length === 0) return;
    const r = await run("lsof", ["-w", "-n", "-P", "-l", "-O", "-b", "-a", "-d", "cwd,0-65535", "-p", wanted.join(","), "-F", "pfn"]);
    // exit 1: some of them are gone (or not ours); anything else is lsof failing
    if (r.missing) unread.add(`${FILES_GAP} (lsof not found)`);
    else if (r.code !== 0 && r.code !== 1) unread.add(`${FILES_GAP} (lsof failed: ${r.code === -1 ? "killed" : `exit ${r.code}`})`);
    const found = parseLsof(r.stdout);
    // one not in lsof's answer is gone, or not ours to read: it holds nothing this look can tell
    for (const pid of wanted) look.files.set(pid, found.get(pid) ?? { cwd: undefined, files: [] });
  };

  /**
   * Reads at once what a look will ask of these processes, one spawn per kind of fact. Open files
   * are read in the background (lsof is slow), while the look goes on with what needs no spawn.
   */
  const prepare = async (pids: ReadonlyArray<number>, fact: "files" | "environ"): Promise<void> => {
    const look = latest ?? (await fresh());
    if (fact === "environ") return readEnvironments(look, pids);
    const before = look.filesPending;
    look.filesPending = Promise.all([before, readFiles(look, pids)]).then(() => undefined);
  };

  const filesOf = async (pid: number): Promise<OpenFilesOf> => {
    const look = latest ?? (await fresh());
    await look.filesPending;
    await readFiles(look, [pid]);
    return look.files.get(pid)!;
  };

  const bootId = (): string => {
    if (platform !== "linux") {
      try {
        const found = parseBoottime(execFileSync("sysctl", ["-n", "kern.boottime"], { encoding: "utf8", env: C_LOCALE, stdio: ["ignore", "pipe", "ignore"] }));
        if (found) return found;
      } catch {
        // no sysctl, or no such name: the next way
      }
    }
    try {
      return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    } catch {
      // init started with the boot: its start stands in for it
      return `boot-${status(1)?.startTime ?? "unknown"}`;
    }
  };

  const close = () => {
    latest = undefined;
    generations.clear();
  };

  return {
    snapshot, status, statusAll, read, watermark, startedSince, counters, environ, prepare, bootId, close,
    openFiles: async (pid: number) => (await filesOf(pid)).files,
    cwd: async (pid: number) => (await filesOf(pid)).cwd,
    /** What this backend could not read at all so far, in words. */
    gaps: (): ReadonlyArray<string> => [...unread],
  };
};
