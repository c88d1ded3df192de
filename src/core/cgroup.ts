/**
 * Where a job's cgroup goes, read from the kernel's own files (/proc/self/mountinfo,
 * /proc/self/cgroup) — never a hard-coded path: a pure cgroup v2 machine mounts it at
 * /sys/fs/cgroup, a hybrid one at /sys/fs/cgroup/unified beside the v1 controllers.
 */

/** The groups one job was put in: the v2 group holding all of it first where there is one, then each v1 limit's. */
export interface JobCgroup {
  readonly dirs: ReadonlyArray<string>;
}

/** A mounted cgroup hierarchy. */
export interface CgroupMount {
  readonly version: 1 | 2;
  readonly mountPoint: string;
  /** The part of the hierarchy mounted there: "/" unless a container mounted a subtree. */
  readonly root: string;
  /** v1: the controllers of this hierarchy that jobs may use; v2: none here (its cgroup.controllers says). */
  readonly controllers: ReadonlyArray<LimitController | "freezer">;
}

/** The controllers a job's limits need. */
export type LimitController = "memory" | "pids" | "cpu";
export const LIMIT_CONTROLLERS: ReadonlyArray<LimitController> = ["memory", "pids", "cpu"];
const V1_USED = new Set<string>([...LIMIT_CONTROLLERS, "freezer"]);

/** The directory under every chosen parent that holds one group per job. */
export const GROUP_DIR = "codex-supervisor";

// mountinfo escapes space, tab, newline and backslash as \ooo
const unescape = (text: string) => text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));

/** The cgroup hierarchies in a mountinfo text; the first mount of each wins. */
export const parseMountinfo = (text: string): CgroupMount[] => {
  const mounts: CgroupMount[] = [];
  const seen = new Set<string>();
  for (const line of text.split("\n")) {
    const [before, after] = line.split(" - ");
    if (!before || !after) continue;
    const fields = before.split(" ");
    const [fstype, , superOptions = ""] = after.split(" ");
    if (fstype !== "cgroup" && fstype !== "cgroup2") continue;
    const root = unescape(fields[3] ?? "/");
    const mountPoint = unescape(fields[4] ?? "");
    const controllers = fstype === "cgroup"
      ? superOptions.split(",").filter((o): o is LimitController | "freezer" => V1_USED.has(o))
      : [];
    const key = fstype === "cgroup2" ? "v2" : superOptions.split(",").filter((o) => o !== "rw" && o !== "ro").sort().join(",");
    if (seen.has(key)) continue;
    seen.add(key);
    mounts.push({ version: fstype === "cgroup2" ? 2 : 1, mountPoint, root, controllers });
  }
  return mounts;
};

/** A process's groups from /proc/PID/cgroup: "v2", and each v1 controller, to its path. */
export const parseProcCgroup = (text: string): Map<string, string> => {
  const paths = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === "0" && m[2] === "") paths.set("v2", m[3]!);
    else for (const controller of m[2]!.split(",")) if (controller) paths.set(controller, m[3]!);
  }
  return paths;
};

/**
 * The directory of a group, given its path in the hierarchy; undefined when the mount
 * does not show it (a container that mounted another part). A supervisor that runs inside
 * a job's group puts its own jobs beside that job's, not inside it: a kill of the outer job
 * must not remove the inner jobs' groups under them.
 */
export const groupDir = (mount: CgroupMount, path: string): string | undefined => {
  const outside = path.split(`/${GROUP_DIR}/`)[0]!;
  const root = mount.root === "/" ? "" : mount.root;
  if (root !== "" && outside !== root && !outside.startsWith(`${root}/`)) return undefined;
  const rest = outside.slice(root.length).replace(/\/+$/, "");
  return `${mount.mountPoint}${rest}`;
};

const quoted = (path: string) => `'${path.replaceAll("'", `'\\''`)}'`;

/**
 * The shell line that moves the shell itself into a job's groups, so that everything it then
 * execs and forks starts inside them: `<line> || exit 125; exec "$@"`.
 */
export const joinLine = (dirs: ReadonlyArray<string>): string =>
  dirs.map((dir) => `echo $$ > ${quoted(`${dir}/cgroup.procs`)}`).join(" && ");

/** The exit code of a launch whose shell could not join the job's groups (as `env` uses 125 for its own failures). */
export const JOIN_FAILED_EXIT = 125;

/** A job's hard limits, resolved: bytes, CPUs (1.5 = one and a half), tasks. */
export interface Limits {
  readonly memory?: number | undefined;
  readonly cpu?: number | undefined;
  readonly pids?: number | undefined;
}

export const CPU_PERIOD_US = 100_000;

/**
 * A limit file and its value, in the order written. `"where-present"`: a file the kernel has only
 * with swap accounting on; without it there is no swap to count, and nothing to write.
 */
export type LimitFile = readonly [file: string, value: string, when?: "where-present"];

/**
 * The files and values that set one limit, in cgroup v2 or v1. The memory limit counts swap too:
 * a job past it is ended by the OOM killer rather than pushed to swap, where it would go on growing
 * and slow the whole machine (systemd's `MemoryMax` with `MemorySwapMax=0`).
 */
export const limitFiles = (controller: LimitController, value: number, version: 1 | 2): ReadonlyArray<LimitFile> => {
  const quota = String(Math.max(1000, Math.round(value * CPU_PERIOD_US)));
  const bytes = String(Math.round(value));
  switch (controller) {
    case "memory": return version === 2
      ? [["memory.max", bytes], ["memory.swap.max", "0", "where-present"]]
      // v1 counts memory and swap together in memsw, which may not be set below the memory limit: set after it
      : [["memory.limit_in_bytes", bytes], ["memory.memsw.limit_in_bytes", bytes, "where-present"]];
    case "pids": return [["pids.max", String(Math.round(value))]];
    case "cpu": return version === 2
      ? [["cpu.max", `${quota} ${CPU_PERIOD_US}`]]
      : [["cpu.cfs_period_us", String(CPU_PERIOD_US)], ["cpu.cfs_quota_us", quota]];
  }
};

/** The limits asked for, by controller. */
export const wantedControllers = (limits: Limits): LimitController[] =>
  LIMIT_CONTROLLERS.filter((c) => limits[c] !== undefined);
