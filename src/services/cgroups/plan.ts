import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import { release } from "node:os";
import { join } from "node:path";
import {
  type CgroupMount, GROUP_DIR, groupDir, LIMIT_CONTROLLERS, type LimitController, parseMountinfo, parseProcCgroup,
} from "../../core/cgroup.ts";

/** Where one kind of job group goes: under `base`, in a hierarchy of this version. */
export interface GroupBase {
  readonly base: string;
  readonly version: 1 | 2;
}

/** What this machine lets the supervisor do with cgroups, decided once per process. */
export interface CgroupPlan {
  /** The v2 base whose job groups hold each job's every process, and whether the kernel has cgroup.kill; or why there is none. */
  readonly membership: (GroupBase & { readonly cgroupKill: boolean }) | { readonly none: string };
  /** Per limit, where its groups go; a controller missing here cannot be limited on this machine. */
  readonly limits: Partial<Record<LimitController, GroupBase>>;
}

/** The switch that turns cgroups off: jobs then rely on the marker walk alone. */
export const CGROUP_SWITCH = "CODEX_SUPERVISOR_CGROUP";

const writable = (dir: string) => {
  try {
    accessSync(dir, constants.W_OK);
    return existsSync(join(dir, "cgroup.procs"));
  } catch {
    return false;
  }
};

const read = (path: string) => { try { return readFileSync(path, "utf8"); } catch { return undefined; } };

// cgroup.kill came with Linux 5.14; the root group has none to look at
const kernelHasKill = () => {
  const [major = 0, minor = 0] = release().split(".").map((n) => parseInt(n, 10));
  return major > 5 || (major === 5 && minor >= 14);
};

/** The first of the candidate parents this process may make groups in. */
const firstWritable = (candidates: ReadonlyArray<string | undefined>) =>
  candidates.find((dir): dir is string => dir !== undefined && writable(dir));

const planV2 = (mount: CgroupMount, own: string | undefined): { membership: CgroupPlan["membership"]; limits: CgroupPlan["limits"] } => {
  // the hierarchy's top first: a group there may have controllers (no process lives in the parent);
  // else our own group, as a delegated subtree or a `systemd-run --user --scope` gives
  const ownDir = own === undefined ? undefined : groupDir(mount, own);
  const parent = firstWritable([mount.mountPoint, ownDir]);
  if (!parent) return { membership: { none: `cgroup v2 at ${mount.mountPoint} is not writable by this user` }, limits: {} };
  const base = join(parent, GROUP_DIR);
  const cgroupKill = existsSync(base) ? existsSync(join(base, "cgroup.kill"))
    : parent !== mount.mountPoint ? existsSync(join(parent, "cgroup.kill")) : kernelHasKill();
  const enabled = new Set((read(join(parent, "cgroup.subtree_control")) ?? "").trim().split(/\s+/));
  const limits: CgroupPlan["limits"] = {};
  for (const c of LIMIT_CONTROLLERS) if (enabled.has(c)) limits[c] = { base, version: 2 };
  return { membership: { base, version: 2, cgroupKill }, limits };
};

/** Decides the plan from the kernel's files: the same answer for `start`, `kill` and `doctor`. */
export const planCgroups = (env: Readonly<Record<string, string | undefined>> = process.env): CgroupPlan => {
  if (env[CGROUP_SWITCH] === "off") return { membership: { none: `turned off by ${CGROUP_SWITCH}=off` }, limits: {} };
  const mountinfo = read("/proc/self/mountinfo");
  const own = read("/proc/self/cgroup");
  if (mountinfo === undefined || own === undefined) return { membership: { none: "no /proc/self/mountinfo (not Linux)" }, limits: {} };
  const mounts = parseMountinfo(mountinfo);
  const paths = parseProcCgroup(own);
  const v2 = mounts.find((m) => m.version === 2);
  const planned = v2 ? planV2(v2, paths.get("v2")) : { membership: { none: "no cgroup v2 hierarchy is mounted" }, limits: {} };
  const limits: CgroupPlan["limits"] = { ...planned.limits };
  for (const c of LIMIT_CONTROLLERS) {
    if (limits[c]) continue;
    const mount = mounts.find((m) => m.version === 1 && m.controllers.includes(c));
    if (!mount) continue;
    const path = paths.get(c);
    // v1 has no rule against processes beside groups: our own group first, so a limit set on it still holds
    const parent = firstWritable([path === undefined ? undefined : groupDir(mount, path), mount.mountPoint]);
    if (parent) limits[c] = { base: join(parent, GROUP_DIR), version: 1 };
  }
  return { membership: planned.membership, limits };
};
