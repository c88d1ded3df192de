import { type Limits, wantedControllers } from "../../core/cgroup.ts";
import type { CgroupPlan } from "../../services/Cgroups.ts";
import { type DoctorCheck, fail, ok, warn } from "./check.ts";

const TITLE = "kill guarantee";
const ID = "kill.cgroup";

const limitsLine = (plan: CgroupPlan) => {
  const where = Object.entries(plan.limits).map(([c, l]) => `${c} (cgroup v${l.version})`);
  return where.length > 0 ? `limits can be applied: ${where.join(", ")}` : "no limit can be applied here (no memory, pids or cpu controller this user may use)";
};

/** Which promise `kill` keeps on this machine, and whether the configured limits can hold. */
export const judgeCgroups = (plan: CgroupPlan, limits: Limits): DoctorCheck => {
  const missing = wantedControllers(limits).filter((c) => !plan.limits[c]);
  if ("none" in plan.membership) {
    const detail = [
      `no cgroup per job: ${plan.membership.none}`,
      "kill ends what it can prove is the job's: its process tree and every process carrying the job's marker;",
      "a process that scrubs its environment (env -i) and leaves the tree (setsid, a double fork) escapes",
      limitsLine(plan),
    ].join("\n");
    const fix = "run codex-supervisor as root, or inside a delegated cgroup v2 subtree (e.g. systemd-run --user --scope codex-supervisor …)";
    return missing.length > 0
      ? fail({ id: ID, title: TITLE, detail: `${detail}\nthe config asks for limits.${missing.join(", limits.")}, which cannot be applied: jobs will not start` }, fix)
      : warn({ id: ID, title: TITLE, detail }, fix);
  }
  const { base, cgroupKill } = plan.membership;
  const detail = [
    `each job runs in a cgroup of its own (cgroup v2, under ${base})`,
    `kill ends every process in it (${cgroupKill ? "cgroup.kill" : "freeze, then SIGKILL to each member"}), even one that dropped the marker and left the tree`,
    limitsLine(plan),
  ].join("\n");
  return missing.length > 0
    ? fail({ id: ID, title: TITLE, detail: `${detail}\nthe config asks for limits.${missing.join(", limits.")}, which cannot be applied: jobs will not start` },
      "remove those limits from the config, or run where their controllers are available (root, or a subtree delegated with them)")
    : ok({ id: ID, title: TITLE, detail });
};
