import { describe, expect, test } from "vitest";
import { groupDir, joinLine, limitFiles, parseMountinfo, parseProcCgroup } from "../../src/core/cgroup.ts";
import { configSchema } from "../../src/config/schema.ts";

// this machine's kind: v1 controllers beside a v2 hierarchy at /sys/fs/cgroup/unified
const HYBRID = [
  "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
  "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu",
  "32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct",
  "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
  "36 30 0:33 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer",
  "38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids",
  "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd",
  "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw",
].join("\n");
// a user's machine: pure v2 at /sys/fs/cgroup
const PURE = "25 21 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot";

describe("the cgroup layout, read from the kernel's files", () => {
  test("a hybrid layout: v2 for membership, each v1 controller where it is mounted", () => {
    const mounts = parseMountinfo(HYBRID);
    expect(mounts.find((m) => m.version === 2)).toEqual({ version: 2, mountPoint: "/sys/fs/cgroup/unified", root: "/", controllers: [] });
    expect(mounts.filter((m) => m.version === 1).map((m) => [m.mountPoint, m.controllers])).toEqual([
      ["/sys/fs/cgroup/cpu", ["cpu"]], ["/sys/fs/cgroup/cpuacct", []], ["/sys/fs/cgroup/memory", ["memory"]],
      ["/sys/fs/cgroup/freezer", ["freezer"]], ["/sys/fs/cgroup/pids", ["pids"]], ["/sys/fs/cgroup/systemd", []],
    ]);
  });

  test("a pure v2 layout is one hierarchy, optional fields and all", () => {
    expect(parseMountinfo(PURE)).toEqual([{ version: 2, mountPoint: "/sys/fs/cgroup", root: "/", controllers: [] }]);
  });

  test("a process's groups, v2 and per v1 controller", () => {
    const paths = parseProcCgroup("4:memory:/process_api/abc\n1:cpu,cpuacct:/\n0::/user.slice/user-1000.slice/session-2.scope\n");
    expect(paths.get("v2")).toBe("/user.slice/user-1000.slice/session-2.scope");
    expect(paths.get("memory")).toBe("/process_api/abc");
    expect(paths.get("cpuacct")).toBe("/");
  });

  test("a supervisor running inside a job's group puts its jobs beside that job's, not inside it", () => {
    const [v2] = parseMountinfo(PURE);
    expect(groupDir(v2!, "/user.slice/app.scope")).toBe("/sys/fs/cgroup/user.slice/app.scope");
    expect(groupDir(v2!, "/")).toBe("/sys/fs/cgroup");
    expect(groupDir(v2!, "/codex-supervisor/1234/codex-supervisor/5678")).toBe("/sys/fs/cgroup");
    // a container that mounted a subtree sees only the groups under it
    const sub = { ...v2!, root: "/lxc/c1" };
    expect(groupDir(sub, "/lxc/c1/app")).toBe("/sys/fs/cgroup/app");
    expect(groupDir(sub, "/other")).toBeUndefined();
  });

  test("the join line moves the launching shell itself into every group, quoted", () => {
    expect(joinLine(["/sys/fs/cgroup/unified/codex-supervisor/j1", "/sys/fs/cgroup/o'dd/j1"])).toBe(
      `echo $$ > '/sys/fs/cgroup/unified/codex-supervisor/j1/cgroup.procs' && echo $$ > '/sys/fs/cgroup/o'\\''dd/j1/cgroup.procs'`,
    );
  });

  test("limits are written as systemd would: MemoryMax with no swap past it, CPUQuota, TasksMax", () => {
    expect(limitFiles("memory", 512 * 1024 ** 2, 2)).toEqual([["memory.max", String(512 * 1024 ** 2)], ["memory.swap.max", "0", "where-present"]]);
    // v1: memory and swap together (memsw) at the same bound, written after the memory bound it may not undercut
    expect(limitFiles("memory", 1e9, 1)).toEqual([["memory.limit_in_bytes", "1000000000"], ["memory.memsw.limit_in_bytes", "1000000000", "where-present"]]);
    expect(limitFiles("cpu", 1.5, 2)).toEqual([["cpu.max", "150000 100000"]]);
    expect(limitFiles("cpu", 0.5, 1)).toEqual([["cpu.cfs_period_us", "100000"], ["cpu.cfs_quota_us", "50000"]]);
    expect(limitFiles("pids", 64, 1)).toEqual([["pids.max", "64"]]);
  });
});

describe("the limits config", () => {
  const parse = (limits: unknown) => configSchema({ codexBin: "codex", codexHome: "/h", databasePath: "/d" }).safeParse({ limits });

  test("sizes, CPU shares and task counts resolve to bytes, CPUs and a count", () => {
    const parsed = parse({ memory: "2GB", cpu: "150%", pids: 128 });
    expect(parsed.success && parsed.data.limits).toEqual({ memory: 2e9, cpu: 1.5, pids: 128 });
    const cores = parse({ cpu: 2 });
    expect(cores.success && cores.data.limits).toEqual({ cpu: 2 });
  });

  test("a bad limit names the field and what was expected", () => {
    const bad = parse({ cpu: "fast", pids: 0, swap: 1 });
    expect(bad.success).toBe(false);
    const issues = bad.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("\n");
    expect(issues).toContain(`limits.cpu: expected a number of CPUs (1.5) or a share like "150%", at least 1%, got "fast"`);
    expect(issues).toMatch(/limits\.pids: .*>=1/);
    expect(issues).toMatch(/swap/);
  });
});
