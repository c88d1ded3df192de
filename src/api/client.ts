/**
 * The same Supervisor, for runtimes without bun:sqlite (Node): each call runs the installed CLI
 * with `--json` and reads what it prints. Failures become the same SupervisorError, from the
 * CLI's message and exit code. Node built-ins only and erasable syntax: this file is bundled
 * for Node as it is (`bun run build:node`).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { SUPERVISOR_ERROR_TAGS, SupervisorError, type SupervisorErrorTag } from "./errors.ts";
import type {
  EventJson, EventsOptions, JobDetailJson, JobJson, JobStatus, KillJson, ListJson, LogEvent, PythonChoice,
  Supervisor, SupervisorOptions, WaitOptions,
} from "./types.ts";

export interface ClientOptions extends SupervisorOptions {
  /** The command that runs the CLI (default: this package's bin/codex-supervisor.ts, run by `bun`). */
  readonly cli?: ReadonlyArray<string>;
}

const FINAL: ReadonlyArray<JobStatus> = ["completed", "aborted", "killed", "exited"];
const POLL_MS = 250;

/** This package's own CLI: the bin beside the folder this file is in (src/api or dist). */
const ownCli = (): ReadonlyArray<string> => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 4; up++) {
    const bin = join(dir, "bin", "codex-supervisor.ts");
    if (existsSync(bin)) return ["bun", bin];
    dir = dirname(dir);
  }
  return ["codex-supervisor"];
};

interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The tag of the CLI's failure, from its exit code and the start of its message. */
const tagOf = (code: number, message: string): SupervisorErrorTag => {
  if (code === 3) return message.includes("matches several jobs") ? "JobAmbiguous" : "JobNotFound";
  if (code === 4) return "KillRefused";
  if (code === 2) return message.startsWith("config error") ? "ConfigError" : "UsageError";
  if (message.startsWith("launch failed")) return "LaunchError";
  if (message.startsWith("codex binary")) return "CodexNotFound";
  if (message.startsWith("database")) return "DatabaseError";
  if (message.startsWith("history")) return "HistoryError";
  return "CliFailed";
};

/** Under --json the CLI says what failed as one `{"error":{code,message}}` object on stderr (docs/json.md). */
const jsonError = (stderr: string): { code: string; message: string } | undefined => {
  try {
    const error = (JSON.parse(stderr) as { error?: { code?: unknown; message?: unknown } }).error;
    return typeof error?.code === "string" && typeof error.message === "string" ? { code: error.code, message: error.message } : undefined;
  } catch {
    return undefined;
  }
};

const failure = (ran: Ran): SupervisorError => {
  const said = jsonError(ran.stderr.trim());
  const message = said?.message ?? ran.stderr.trim().replace(/^codex-supervisor: /, "").replace(/\n\(see --help\)$/, "");
  const tag = said && (SUPERVISOR_ERROR_TAGS as ReadonlyArray<string>).includes(said.code) ? said.code as SupervisorErrorTag : tagOf(ran.code, message);
  return new SupervisorError(tag, message || `the CLI exited with code ${ran.code}`, ran.code);
};

const pythonArgs = (o: PythonChoice): string[] => [
  ...(o.venv === undefined ? [] : ["--venv", o.venv]),
  ...(o.python === undefined ? [] : ["--python", o.python]),
  ...(o.noVenv ? ["--no-venv"] : []),
];

/** The CLI's own flags go before a `--`: what follows it is handed to codex exec. */
const withFlags = (args: ReadonlyArray<string>, flags: ReadonlyArray<string>): string[] => {
  const at = args.indexOf("--");
  return at < 0 ? [...args, ...flags] : [...args.slice(0, at), ...flags, ...args.slice(at)];
};

const jsonLines = <A>(text: string): A[] => text.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as A);

export const createCliSupervisor = (options: ClientOptions = {}): Supervisor => {
  const cli = options.cli ?? ownCli();
  const cwd = options.cwd ?? process.cwd();
  const env: Record<string, string | undefined> = {
    ...process.env,
    ...(options.database === undefined ? {} : { CODEX_SUPERVISOR_DB: options.database }),
    ...(options.codexHome === undefined ? {} : { CODEX_HOME: options.codexHome }),
  };
  const common = options.config === undefined ? [] : ["--config", options.config];
  const running = new Set<ChildProcess>();
  const timers = new Set<() => void>();
  let closed = false;

  const closedError = () => new SupervisorError("Closed", "the supervisor is closed", 1);

  const run = (args: ReadonlyArray<string>, stdin?: string): Promise<Ran> => new Promise((resolve, reject) => {
    if (closed) return reject(closedError());
    const child = spawn(cli[0]!, [...cli.slice(1), ...withFlags(args, common)], { cwd, env, stdio: ["pipe", "pipe", "pipe"] });
    running.add(child);
    let stdout = "", stderr = "";
    child.stdout!.on("data", (c: Buffer) => { stdout += c.toString(); });
    child.stderr!.on("data", (c: Buffer) => { stderr += c.toString(); });
    child.once("error", (cause) => { running.delete(child); reject(new SupervisorError("CliFailed", `could not run ${cli.join(" ")}: ${cause.message}`, 1, { cause })); });
    child.once("close", (code) => {
      running.delete(child);
      if (closed) return reject(closedError());
      resolve({ code: code ?? 1, stdout, stderr });
    });
    child.stdin!.on("error", () => {});
    child.stdin!.end(stdin ?? "");
  });

  /** A `--json` command's one value; a CLI that printed JSON and exited 1 (a job that died at once, survivors) still answers. */
  const json = async <A>(args: ReadonlyArray<string>, stdin?: string): Promise<A> => {
    const ran = await run(withFlags(args, ["--json"]), stdin);
    if (ran.code === 0 || (ran.code === 1 && ran.stdout.trimStart().startsWith("{"))) return JSON.parse(ran.stdout) as A;
    throw failure(ran);
  };
  const lines = async <A>(args: ReadonlyArray<string>): Promise<A[]> => {
    const ran = await run(withFlags(args, ["--json"]));
    if (ran.code !== 0) throw failure(ran);
    return jsonLines<A>(ran.stdout);
  };
  const pause = (ms: number) => new Promise<void>((resolve, reject) => {
    if (closed) return reject(closedError());
    const cancel = () => { clearTimeout(timer); timers.delete(cancel); reject(closedError()); };
    const timer = setTimeout(() => { timers.delete(cancel); resolve(); }, ms);
    timers.add(cancel);
  });

  const status = (job: string) => json<JobDetailJson>(["status", job]);

  const waitFor = async (job: string, o: WaitOptions = {}): Promise<JobDetailJson> => {
    const wanted: ReadonlyArray<JobStatus> = o.status === undefined ? FINAL : typeof o.status === "string" ? [o.status] : o.status;
    const deadline = o.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + o.timeoutMs;
    for (;;) {
      const detail = await status(job);
      if (wanted.includes(detail.status)) return detail;
      if (Date.now() >= deadline) {
        throw new SupervisorError("WaitTimeout", `job ${detail.jobId.slice(0, 8)} is still ${detail.status} after ${o.timeoutMs} ms`, 1);
      }
      await pause(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
    }
  };

  async function* events(o: EventsOptions = {}): AsyncGenerator<EventJson> {
    const base = ["events", ...(o.job === undefined ? [] : ["--job", o.job])];
    const first = await lines<EventJson>([...base, "--limit", String(o.limit ?? 100)]);
    yield* first;
    if (!o.follow) return;
    // the CLI lists the newest N: a page of 1000 read every poll, new ids kept
    let last = first.at(-1)?.id ?? 0;
    for (;;) {
      try { await pause(POLL_MS * 2); } catch { return; }
      let page: EventJson[];
      try { page = await lines<EventJson>([...base, "--limit", "1000"]); } catch (e) { if (closed) return; throw e; }
      for (const e of page) if (e.id > last) { last = e.id; yield e; }
    }
  }

  /** `logs --follow --json`, a line at a time as the CLI prints it. */
  async function* followLogs(job: string, o: { readonly tail?: number } = {}): AsyncGenerator<LogEvent> {
    if (closed) throw closedError();
    const args = ["logs", job, "--follow", "--json", ...(o.tail === undefined ? [] : ["--tail", String(o.tail)]), ...common];
    const child = spawn(cli[0]!, [...cli.slice(1), ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    running.add(child);
    let stderr = "";
    child.stderr!.on("data", (c: Buffer) => { stderr += c.toString(); });
    const exited = new Promise<number>((resolve) => child.once("close", (code) => { running.delete(child); resolve(code ?? 1); }));
    try {
      for await (const line of createInterface({ input: child.stdout! })) {
        if (line.trim() === "") continue;
        // the CLI's closing `job_ended` line says how the job ended: the in-process stream has no such event
        const event = JSON.parse(line) as LogEvent | { kind: "job_ended" };
        if (event.kind !== "job_ended") yield event as LogEvent;
      }
      const code = await exited;
      if (code !== 0 && !closed) throw failure({ code, stdout: "", stderr });
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    }
  }

  return {
    followLogs,
    start: (o) => json<JobJson>([
      "start", "--cwd", o.cwd ?? cwd, ...(o.name === undefined ? [] : ["--name", o.name]), ...pythonArgs(o), "-",
      ...(o.args && o.args.length > 0 ? ["--", ...o.args] : []),
    ], o.prompt),
    list: (o = {}) => json<ListJson>(["list", ...(o.all ? ["--all"] : [])]),
    status,
    logs: (job, o = {}) => lines<LogEvent>(["logs", job, ...(o.tail === undefined ? [] : ["--tail", String(o.tail)])]),
    kill: (job, o = {}) => json<KillJson>(["kill", job, "--grace", typeof o.grace === "number" ? `${o.grace}ms` : o.grace ?? "5s"]),
    resume: (job, o = {}) => json<JobJson>([
      "resume", ...(o.name === undefined ? [] : ["--name", o.name]), ...pythonArgs(o), job, ...(o.prompt === undefined ? [] : ["-"]),
      ...(o.args && o.args.length > 0 ? ["--", ...o.args] : []),
    ], o.prompt),
    waitFor,
    events,
    close: async () => {
      closed = true;
      for (const cancel of [...timers]) cancel();
      // only the CLI runs this supervisor started: a job it launched is detached and stays
      await Promise.all([...running].map((child) => new Promise<void>((resolve) => {
        child.once("close", () => resolve());
        child.kill("SIGTERM");
      })));
    },
  };
};
