import { JOB_MARKER } from "./job.ts";
import type { ProcessInfo } from "./process.ts";

/** What a Codex process is running: `exec`, `exec-resume`, `app-server`, `mcp-server`, `tui`, … */
export type CodexKind = string;

/** A Codex program as people think of it: the npm launcher and its native binary are one. */
export interface CodexProcessGroup {
  /** The outermost process: the launcher when there is one, else the native binary. */
  readonly root: ProcessInfo;
  readonly launcher: ProcessInfo | undefined;
  readonly native: ProcessInfo | undefined;
  readonly kind: CodexKind;
  /** The supervisor job id carried on the command line, if any (a claim, not a proof). */
  readonly claimedJobId: string | undefined;
  /**
   * Native Codex children of the native binary, folded into this program: the 0.169 TUI's
   * app-server daemon, which holds the TUI's rollout open.
   */
  readonly helpers: ReadonlyArray<ProcessInfo>;
}

const base = (path: string | undefined): string => {
  if (!path) return "";
  const slash = path.lastIndexOf("/");
  return slash < 0 ? path : path.slice(slash + 1);
};
const JS_RUNTIMES = new Set(["node", "nodejs", "bun"]);

/** The native binary: an executable named `codex`. */
export const isNativeCodex = (p: ProcessInfo): boolean => base(p.argv[0]) === "codex" && p.name.startsWith("codex");

/** The npm launcher: `node …/bin/codex(.js) …`. */
export const isCodexLauncher = (p: ProcessInfo): boolean =>
  JS_RUNTIMES.has(base(p.argv[0])) && /^codex(\.js)?$/.test(base(p.argv[1]));

/** The Codex subcommand words, past the program and its global flags. */
const codexArgs = (p: ProcessInfo): ReadonlyArray<string> => p.argv.slice(isCodexLauncher(p) ? 2 : 1);

const FLAGS_WITH_VALUE = new Set(["-c", "--config", "-m", "--model", "-p", "--profile", "-s", "--sandbox", "-C", "--cd", "-i", "--image", "--enable", "--disable", "-a", "--ask-for-approval", "--local-provider", "--add-dir", "--remote", "--remote-auth-token-env"]);

/** Every subcommand of codex 0.128 … 0.169: anything else in that place is the TUI's prompt. */
const SUBCOMMANDS = new Set([
  "exec", "e", "app-server", "mcp-server", "login", "logout", "mcp", "proto", "completion", "sandbox", "apply", "a", "resume", "fork", "cloud", "debug", "features", "review",
  "plugin", "update", "exec-server", "help", "agents", "remote-control", "doctor", "queue", "archive", "delete", "unarchive", "migrate-rollouts", "migrate-nfs-db",
]);

export const codexKind = (p: ProcessInfo): CodexKind => {
  const args = codexArgs(p);
  const words: string[] = [];
  for (let i = 0; i < args.length && words.length < 2; i++) {
    const arg = args[i]!;
    if (FLAGS_WITH_VALUE.has(arg)) i++;
    else if (!arg.startsWith("-")) words.push(arg);
  }
  const [first, second] = words;
  if (first === undefined || !SUBCOMMANDS.has(first)) return "tui";
  const command = first === "e" ? "exec" : first === "a" ? "apply" : first;
  return command === "exec" && (second === "resume" || second === "fork" || second === "review") ? `exec-${second}` : command;
};

/** The directory a Codex command line runs in (`--cd DIR`, `-C DIR`, `--cd=DIR`, `-CDIR`), as written: maybe relative. */
export const cdArgument = (p: ProcessInfo): string | undefined => {
  const args = codexArgs(p);
  let dir: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") break;
    if (arg === "-C" || arg === "--cd") dir = args[++i];
    else if (arg.startsWith("--cd=")) dir = arg.slice(5);
    else if (arg.startsWith("-C") && arg.length > 2) dir = arg.slice(2);
    else if (FLAGS_WITH_VALUE.has(arg)) i++;
  }
  return dir === "" ? undefined : dir;
};

/**
 * An app-server a TUI starts as its managed daemon (0.169: `codex app-server … --managed-daemon`, and its
 * `app-server daemon pid-update-loop`), in a session of its own: a SIGKILLed TUI leaves it running.
 */
export const isTuiDaemon = (p: ProcessInfo): boolean =>
  isNativeCodex(p) && p.argv.includes("app-server") && (p.argv.includes("--managed-daemon") || p.argv.includes("pid-update-loop"));

const MARKER_ARG = new RegExp(`^shell_environment_policy\\.set\\.${JOB_MARKER}=("?)([0-9a-fA-F-]{36})\\1$`);

/** The job id a Codex command line claims through the supervisor's `-c` marker. */
export const claimedJobId = (p: ProcessInfo): string | undefined => {
  for (let i = 0; i < p.argv.length; i++) {
    const m = MARKER_ARG.exec(p.argv[i]!);
    if (m && (p.argv[i - 1] === "-c" || p.argv[i - 1] === "--config")) return m[2]!.toLowerCase();
  }
  return undefined;
};

const NO_HELPERS: ReadonlyArray<ProcessInfo> = Object.freeze([]);

/** Finds every Codex program in a snapshot, the launcher and its native child folded into one. */
export const findCodexProcesses = (table: ReadonlyArray<ProcessInfo>): CodexProcessGroup[] => {
  const launchers = new Map<number, ProcessInfo>();
  const natives: ProcessInfo[] = [];
  for (const p of table) {
    if (p.state === "Z") continue;
    if (isCodexLauncher(p)) launchers.set(p.pid, p);
    else if (isNativeCodex(p)) natives.push(p);
  }
  const groups: CodexProcessGroup[] = [];
  const adopted = new Set<number>();
  const nativePids = new Set(natives.map((n) => n.pid));
  const nativeChildren = new Map<number, ProcessInfo[]>();
  for (const n of natives) if (nativePids.has(n.ppid)) nativeChildren.set(n.ppid, [...(nativeChildren.get(n.ppid) ?? []), n]);
  const helpersOf = (native: ProcessInfo): ReadonlyArray<ProcessInfo> => nativeChildren.get(native.pid) ?? NO_HELPERS;
  for (const native of natives) {
    const launcher = launchers.get(native.ppid);
    // a native whose parent is another native is a Codex child (a sub-agent, the TUI's app-server), part of that program
    if (!launcher && nativePids.has(native.ppid)) continue;
    if (launcher) adopted.add(launcher.pid);
    const root = launcher ?? native;
    groups.push({ root, launcher, native, kind: codexKind(root), claimedJobId: claimedJobId(root), helpers: helpersOf(native) });
  }
  for (const launcher of launchers.values()) {
    if (adopted.has(launcher.pid)) continue;
    groups.push({ root: launcher, launcher, native: undefined, kind: codexKind(launcher), claimedJobId: claimedJobId(launcher), helpers: NO_HELPERS });
  }
  return groups.sort((a, b) => a.root.startedAt - b.root.startedAt);
};

/** The table indexed by parent PID, in table order. */
export const childrenIndex = (table: ReadonlyArray<ProcessInfo>): Map<number, ProcessInfo[]> => {
  const children = new Map<number, ProcessInfo[]>();
  for (const p of table) {
    const list = children.get(p.ppid);
    if (list) list.push(p);
    else children.set(p.ppid, [p]);
  }
  return children;
};

/**
 * Every process below `roots` in the table, whatever its session or process group.
 * `children` is the table's childrenIndex, when the caller already has it (one per snapshot, not one per tree).
 */
export const collectDescendants = (
  table: ReadonlyArray<ProcessInfo>,
  roots: ReadonlyArray<number>,
  children?: ReadonlyMap<number, ReadonlyArray<ProcessInfo>>,
): ProcessInfo[] => {
  if (roots.length === 0) return [];
  const index = children ?? childrenIndex(table);
  const out: ProcessInfo[] = [];
  const seen = new Set<number>(roots);
  const queue = [...roots];
  while (queue.length > 0) {
    for (const child of index.get(queue.shift()!) ?? []) {
      if (seen.has(child.pid) || child.pid <= 1) continue;
      seen.add(child.pid);
      out.push(child);
      queue.push(child.pid);
    }
  }
  return out;
};

// One empty tree for every caller with no root alive: `list --all` asks for 100,000 of them.
const NO_TREE: ReadonlyArray<ProcessInfo> = Object.freeze([]);

/** The roots and every process below them, each once, roots first. */
export const treeOf = (
  table: ReadonlyArray<ProcessInfo>,
  roots: ReadonlyArray<ProcessInfo>,
  children?: ReadonlyMap<number, ReadonlyArray<ProcessInfo>>,
): ReadonlyArray<ProcessInfo> =>
  roots.length === 0 ? NO_TREE : [...roots, ...collectDescendants(table, roots.map((p) => p.pid), children)];

/** `…/rollout-<time>-<thread id>.jsonl` → the thread id. */
export const threadIdFromRolloutPath = (path: string): string | undefined =>
  /rollout-.*-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/i.exec(path)?.[1]?.toLowerCase();

/** When a thread was created, ms since the epoch: Codex's thread ids are UUIDv7, whose first 48 bits say it. */
export const threadCreatedAt = (threadId: string): number | undefined => {
  const hex = threadId.replace(/-/g, "");
  return /^[0-9a-f]{12}7[0-9a-f]{19}$/i.test(hex) ? Number.parseInt(hex.slice(0, 12), 16) : undefined;
};

/** `…/thread-writer-locks/<thread id>.lock`: what the Codex writing that thread holds open (0.150 and later). */
export const isWriterLock = (file: string): boolean => WRITER_LOCK.test(file);

const WRITER_LOCK = /\/thread-writer-locks\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.lock$/i;

export interface OwnRolloutHints {
  /** Only rollouts under this CODEX_HOME (and its locks) count. */
  readonly codexHome?: string | undefined;
  /** The thread it was asked to continue (`exec resume ID`). */
  readonly threadId?: string | undefined;
  /** A new thread is created after this (the job's start, ms): an older one is another's. */
  readonly notBefore?: number | undefined;
}

/**
 * The rollout a native Codex writes, among its open files, with its thread; undefined while none is
 * proven (the next look decides). An open rollout alone does not name the thread: starting, Codex
 * 0.171 reads the rollout of a thread killed mid-turn for a few ms before it creates its own
 * (`bun bench/tools/rollout-opens.ts`). So, in order:
 * - the thread whose writer lock it holds (`thread-writer-locks/<id>.lock`, Codex 0.150 and later);
 * - else the thread it was asked to continue, open under that id;
 * - else (no lock: Codex 0.128) the newest thread created since `notBefore`; a thread id that carries no
 *   time (not a UUIDv7: no Codex release yet, but a stand-in's) cannot be judged by age, and stays a candidate.
 */
export const ownRollout = (files: ReadonlyArray<string>, hints: OwnRolloutHints = {}): { threadId: string; rolloutPath: string } | undefined => {
  const home = hints.codexHome === undefined ? undefined : hints.codexHome.replace(/\/+$/, "");
  const rollouts: Array<{ threadId: string; rolloutPath: string }> = [];
  const locked = new Set<string>();
  for (const file of files) {
    if (home !== undefined && !file.startsWith(`${home}/`)) continue;
    const lock = WRITER_LOCK.exec(file)?.[1];
    if (lock) { locked.add(lock.toLowerCase()); continue; }
    const threadId = file.includes("/sessions/") ? threadIdFromRolloutPath(file) : undefined;
    if (threadId) rollouts.push({ threadId, rolloutPath: file });
  }
  if (locked.size > 0) return rollouts.find((r) => locked.has(r.threadId));
  const asked = hints.threadId?.toLowerCase();
  if (asked) {
    const resumed = rollouts.find((r) => r.threadId === asked);
    if (resumed) return resumed;
  }
  const since = hints.notBefore;
  const fresh = rollouts
    .map((r) => ({ ...r, createdAt: threadCreatedAt(r.threadId) }))
    .filter((r) => since === undefined || r.createdAt === undefined || r.createdAt >= since);
  fresh.sort((a, b) => (b.createdAt ?? -1) - (a.createdAt ?? -1));
  const newest = fresh[0];
  return newest ? { threadId: newest.threadId, rolloutPath: newest.rolloutPath } : undefined;
};
