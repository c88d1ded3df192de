import { expect, test } from "vitest";
import { judgeCgroups } from "../../../src/app/doctor/cgroup.ts";
import type { CgroupPlan } from "../../../src/services/Cgroups.ts";

const hybrid: CgroupPlan = {
  membership: { base: "/sys/fs/cgroup/unified/codex-supervisor", version: 2, cgroupKill: true },
  limits: { pids: { base: "/sys/fs/cgroup/pids/codex-supervisor", version: 1 } },
};
const none: CgroupPlan = { membership: { none: "cgroup v2 at /sys/fs/cgroup is not writable by this user" }, limits: {} };

test("with a cgroup per job, doctor promises every process of the job, and names the limits that can hold", () => {
  const check = judgeCgroups(hybrid, {});
  expect(check.status).toBe("ok");
  expect(check.detail).toContain("each job runs in a cgroup of its own (cgroup v2, under /sys/fs/cgroup/unified/codex-supervisor)");
  expect(check.detail).toContain("(cgroup.kill)");
  expect(check.detail).toContain("limits can be applied: pids (cgroup v1)");
});

test("without one, doctor warns what escapes and how to get one", () => {
  const check = judgeCgroups(none, {});
  expect(check.status).toBe("warn");
  expect(check.detail).toContain("no cgroup per job: cgroup v2 at /sys/fs/cgroup is not writable by this user");
  expect(check.detail).toContain("escapes");
  expect(check.fix).toContain("systemd-run --user --scope");
});

test("a configured limit the machine cannot apply fails, naming it", () => {
  expect(judgeCgroups(hybrid, { memory: 1e9 })).toMatchObject({ status: "fail" });
  expect(judgeCgroups(hybrid, { memory: 1e9 }).detail).toContain("limits.memory, which cannot be applied: jobs will not start");
  expect(judgeCgroups(none, { pids: 64 })).toMatchObject({ status: "fail" });
});
