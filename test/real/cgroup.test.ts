import { existsSync, readFileSync, rmdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { parseMountinfo, parseProcCgroup } from "../../src/core/cgroup.ts";
import type { DoctorReport } from "../../src/app/doctor/index.ts";
import { commandOf, createSandbox, isAlive, type Sandbox, waitFor } from "./support/harness.ts";

// Needs a machine that gives this user cgroups (root, here and in CI); the marker-walk half runs with them off.
interface JobJson { jobId: string; pid: number; status: string }

// no login shell: a profile's slow start-up (pyenv's rehash waiting on its lock) must not decide when a tool runs
const EXEC_ARGS = ["--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox", "-c", "allow_login_shell=false"];
let sb: Sandbox;
beforeAll(() => {
  sb = createSandbox();
  sb.writeGlobalConfig({ codex: { args: EXEC_ARGS } });
});
afterAll(async () => { await sb.cleanup(); });

// what a test started outside the sandbox's reach (env -i drops CODEX_HOME): ended here, checked by command line
const escaped: Array<{ pid: number; argv: string }> = [];
const groups: string[] = [];
afterEach(() => {
  for (const { pid, argv } of escaped.splice(0)) if (commandOf(pid) === argv) process.kill(pid, "SIGKILL");
  for (const dir of groups.splice(0)) { try { rmdirSync(dir); } catch { /* gone, as it should be */ } }
});

const start = async (prompt: string, cwd: string, env: Record<string, string> = {}) => {
  const r = await sb.cli(["start", "--json", "--cwd", cwd, "-"], { stdin: prompt, env });
  expect(r.code, r.stderr).toBe(0);
  return r.json<JobJson>();
};

/** The directory of a process's group in a hierarchy ("v2", or a v1 controller), read as the kernel shows it. */
const groupOf = (pid: number, hierarchy: string): string | undefined => {
  const mounts = parseMountinfo(readFileSync("/proc/self/mountinfo", "utf8"));
  const path = parseProcCgroup(readFileSync(`/proc/${pid}/cgroup`, "utf8")).get(hierarchy);
  const mount = mounts.find((m) => (hierarchy === "v2" ? m.version === 2 : m.controllers.includes(hierarchy as "pids")));
  return mount && path !== undefined ? `${mount.mountPoint}${path}` : undefined;
};

/** The pid a tool wrote to a file, once it is there (and, unless `alive` is false, while that process runs). */
const pidFrom = (file: string, { alive = true } = {}) => waitFor(`a pid in ${file}`, () => {
  try {
    const pid = Number(readFileSync(file, "utf8").trim());
    return pid > 1 && (!alive || isAlive(pid)) ? pid : undefined;
  } catch {
    return undefined;
  }
});

describe("a job in a cgroup of its own", () => {
  test("kill ends an env-scrubbed double fork that left no marker and no parent link, and removes the group", async () => {
    const dir = sb.project("scrubbed");
    const file = join(dir, "escaped.pid");
    const job = await start(`RUN: setsid env -i sh -c 'sleep 900 & echo $! > ${file}; exit'; sleep 300\nHOLD: 300`, dir);
    const pid = await pidFrom(file);
    escaped.push({ pid, argv: "sleep 900 " });
    // the premise: nothing ties it to the job but the group — no marker, parent init, another session
    expect(readFileSync(`/proc/${pid}/environ`, "utf8")).not.toContain(job.jobId);
    const group = groupOf(pid, "v2")!;
    expect(group).toMatch(new RegExp(`/codex-supervisor/${job.jobId}$`));
    groups.push(group);
    expect(groupOf(job.pid, "v2")).toBe(group);

    const r = await sb.cli(["kill", job.jobId, "--grace", "1s", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = r.json<{ result: string; members: Array<{ pid: number; signals: string[] }>; survivors: number[] }>();
    expect(out.result).toBe("killed");
    expect(out.survivors).toEqual([]);
    expect(out.members.find((m) => m.pid === pid)?.signals).toEqual(["cgroup.kill"]);
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(group)).toBe(false);
  });

  test("a job's group goes when the job and what it left have ended by themselves", async () => {
    const dir = sb.project("ends");
    const file = join(dir, "straggler.pid");
    // a straggler that outlives Codex a little, as a profile's pyenv rehash does
    const job = await start(`RUN: setsid sh -c 'sleep 5 & echo $! > ${file}' \nREPLY: over`, dir);
    const group = await waitFor("the job's group", () => groupOf(job.pid, "v2"));
    groups.push(group);
    const straggler = await pidFrom(file);
    await waitFor("the job completed", async () => (await sb.cli(["status", job.jobId, "--json"])).json<JobJson>().status === "completed" || undefined);
    // each look at the ended job (status, list, the watchdog) removes its group once nothing is left there
    await waitFor("the group removed", async () => {
      await sb.cli(["status", job.jobId, "--json"]);
      return !existsSync(group) || undefined;
    });
    expect(isAlive(straggler)).toBe(false);
  });

  test("limits.pids contains a fork loop: forks past the limit fail, the job's tasks stay at it", async () => {
    const dir = sb.project("fork-loop");
    sb.writeGlobalConfig({ codex: { args: EXEC_ARGS }, limits: { pids: 64 } });
    try {
      const file = join(dir, "loop.pid");
      // dash gives up at the first fork the kernel refuses; each child sleeps so that the count only grows
      const job = await start(`RUN: sh -c 'echo $$ > ${file}; i=0; while [ $i -lt 500 ]; do sleep 300 & i=$((i+1)); done'; sleep 300`, dir);
      // the loop may have met the limit and ended before the first look: the group is found by the job's own pid
      const group = groupOf(job.pid, "pids")!;
      expect(group).toMatch(new RegExp(`/codex-supervisor/${job.jobId}$`));
      groups.push(group);
      expect(readFileSync(join(group, "pids.max"), "utf8").trim()).toBe("64");
      const loop = await pidFrom(file, { alive: false });
      // the loop ends once the kernel refuses it a fork: contained, not just slowed
      await waitFor("the fork loop stopped", () => !isAlive(loop) || undefined);
      expect(Number(/max (\d+)/.exec(readFileSync(join(group, "pids.events"), "utf8"))?.[1])).toBeGreaterThan(0);
      expect(Number(readFileSync(join(group, "pids.current"), "utf8"))).toBeLessThanOrEqual(64);
      const r = await sb.cli(["kill", job.jobId, "--grace", "1s", "--json"]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.json<{ survivors: number[] }>().survivors).toEqual([]);
      expect(existsSync(group)).toBe(false);
    } finally {
      sb.writeGlobalConfig({ codex: { args: EXEC_ARGS } });
    }
  });

  test("limits.memory contains a memory hog: the kernel ends the hog, and Codex goes on", async () => {
    const dir = sb.project("memory-hog");
    const file = join(dir, "hog.exit");
    sb.writeGlobalConfig({ codex: { args: EXEC_ARGS }, limits: { memory: "512MB" } });
    try {
      // the kernel may take ~15 s to give up reclaiming before its OOM killer acts, past the 10 s after which Codex
      // hands the model a still-running command's output: the model holds its reply, so the job lives on however long
      const job = await start(`RUN: python3 -c "b = bytearray(2 * 1024 ** 3); print('allocated')" > ${dir}/hog.out; echo $? > ${file}; sleep 300\nHOLD: 300`, dir);
      const group = groupOf(job.pid, "memory")!;
      expect(group).toMatch(new RegExp(`/codex-supervisor/${job.jobId}$`));
      groups.push(group);
      const limitFile = ["memory.max", "memory.limit_in_bytes"].find((f) => existsSync(join(group, f)))!;
      expect(readFileSync(join(group, limitFile), "utf8").trim()).toBe("512000000"); // MB is decimal, as in every size of the config
      // and no swap past it, where the kernel counts swap (v2: none at all; v1: memory and swap together)
      const swapFile = limitFile === "memory.max" ? "memory.swap.max" : "memory.memsw.limit_in_bytes";
      const accounted = existsSync(join(dirname(group), swapFile)); // the kernel counts swap (the job's parent group has the file)
      const swapLimit = existsSync(join(group, swapFile)) ? readFileSync(join(group, swapFile), "utf8").trim() : "no such file";
      expect(swapLimit).toBe(accounted ? (limitFile === "memory.max" ? "0" : "512000000") : "no such file");
      const code = await waitFor("the hog's exit", () => {
        try { return readFileSync(file, "utf8").trim() || undefined; } catch { return undefined; }
      }, 120_000);
      expect(code).toBe("137"); // SIGKILLed by the OOM killer
      expect(readFileSync(join(dir, "hog.out"), "utf8")).toBe("");
      expect(isAlive(job.pid)).toBe(true);
      expect((await sb.cli(["status", job.jobId, "--json"])).json<JobJson>().status).toBe("running");
      const r = await sb.cli(["kill", job.jobId, "--grace", "1s"]);
      expect(r.code, r.stderr).toBe(0);
      expect(existsSync(group)).toBe(false);
    } finally {
      sb.writeGlobalConfig({ codex: { args: EXEC_ARGS } });
    }
  }, 180_000);

  test("doctor says kill ends every process of a job's cgroup, and which limits hold", async () => {
    const r = await sb.cli(["doctor", "--json"]);
    const check = r.json<DoctorReport>().checks.find((c) => c.id === "kill.cgroup")!;
    expect(check.status).toBe("ok");
    expect(check.detail).toContain("each job runs in a cgroup of its own");
    expect(check.detail).toMatch(/limits can be applied: .*pids/);
  });
});

describe("with cgroups off (CODEX_SUPERVISOR_CGROUP=off): the marker walk", () => {
  const OFF = { CODEX_SUPERVISOR_CGROUP: "off" };

  test("the job gets no group, and kill still ends a marked double fork", async () => {
    const dir = sb.project("marker-walk");
    const file = join(dir, "stray.pid");
    const job = await start(`RUN: setsid sh -c 'sleep 900 & echo $! > ${file}; exit'; sleep 300\nHOLD: 300`, dir, OFF);
    const pid = await pidFrom(file);
    expect(readFileSync(`/proc/${pid}/environ`, "utf8")).toContain(`CODEX_SUPERVISOR_JOB_ID=${job.jobId}`);
    expect(groupOf(pid, "v2")).not.toMatch(/\/codex-supervisor\//);
    const r = await sb.cli(["kill", job.jobId, "--grace", "1s", "--json"], { env: OFF });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json<{ result: string }>().result).toBe("killed");
    expect(isAlive(pid)).toBe(false);
  });

  // the limit doctor names, and what every job had before cgroups: nothing ties such a process to its job
  test("an env-scrubbed double fork outlives kill: the limit the marker walk has", async () => {
    const dir = sb.project("scrubbed-off");
    const file = join(dir, "escaped.pid");
    const job = await start(`RUN: setsid env -i sh -c 'sleep 900 & echo $! > ${file}; exit'; sleep 300\nHOLD: 300`, dir, OFF);
    const pid = await pidFrom(file);
    escaped.push({ pid, argv: "sleep 900 " });
    const r = await sb.cli(["kill", job.jobId, "--grace", "1s", "--json"], { env: OFF });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json<{ members: Array<{ pid: number }> }>().members.map((m) => m.pid)).not.toContain(pid);
    expect(isAlive(pid)).toBe(true);
  });

  test("doctor warns that an env-scrubbed process that leaves the tree escapes", async () => {
    const r = await sb.cli(["doctor", "--json"], { env: OFF });
    const check = r.json<DoctorReport>().checks.find((c) => c.id === "kill.cgroup")!;
    expect(check.status).toBe("warn");
    expect(check.detail).toContain("turned off by CODEX_SUPERVISOR_CGROUP=off");
    expect(check.detail).toContain("escapes");
  });

  test("a limit that cannot be applied fails the start, saying which and why", async () => {
    const jobs = async () => (await sb.cli(["list", "--all", "--json"])).json<{ jobs: unknown[] }>().jobs.length;
    const before = await jobs();
    sb.writeGlobalConfig({ codex: { args: EXEC_ARGS }, limits: { memory: "512MB" } });
    try {
      const r = await sb.cli(["start", "--json", "--cwd", sb.project("no-limits"), "-"], { stdin: "RUN: echo never", env: OFF });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain("limits.memory cannot be applied on this machine (turned off by CODEX_SUPERVISOR_CGROUP=off)");
      expect(await jobs()).toBe(before);
    } finally {
      sb.writeGlobalConfig({ codex: { args: EXEC_ARGS } });
    }
  });
});
