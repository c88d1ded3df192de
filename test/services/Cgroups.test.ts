/**
 * The Cgroups service against the real kernel: needs a machine that gives this user cgroups
 * (root here and in CI). Every group made here is named for this run and removed at the end.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect, Layer } from "effect";
import { afterEach, describe, expect, test } from "vitest";
import { joinLine } from "../../src/core/cgroup.ts";
import type { LaunchSpec } from "../../src/core/launch.ts";
import { Cgroups, type JobCgroup } from "../../src/services/Cgroups.ts";
import { Launcher } from "../../src/services/Launcher.ts";
import { killOwned, type Owned, own } from "../support/owned.ts";

const run = <A, E>(use: (c: Cgroups["Service"]) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.gen(function* () { return yield* use(yield* Cgroups); }).pipe(Effect.provide(Cgroups.layer)));

let serial = 0;
const made: JobCgroup[] = [];
const started: Array<Owned | undefined> = [];
const filesDirs: string[] = [];
afterEach(async () => {
  killOwned(started.splice(0));
  for (const group of made.splice(0)) await run((c) => c.end(group, 5_000));
  for (const dir of filesDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const makeGroup = async (limits: { pids?: number } = {}) => {
  const group = await run((c) => c.create(`test-cgroups-${process.pid}-${serial++}`, limits));
  if (!group) throw new Error("this machine gives no cgroup: these tests need one (root, or a delegated subtree)");
  made.push(group);
  return group;
};

const v2PathOf = (pid: number) => /^0::(.*)$/m.exec(readFileSync(`/proc/${pid}/cgroup`, "utf8"))?.[1];
const isAlive = (pid: number) => { try { return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8")); } catch { return false; } };

const spec = (args: string[]): LaunchSpec => ({
  jobId: "test", bin: "sh", cwd: "/", args, env: process.env as Record<string, string>, prompt: "", python: { kind: "none", source: "none" },
});

describe("a job's group", () => {
  for (const [name, layer] of [["directly", Launcher.layer], ["reparented (the MCP server's way)", Launcher.layerReparented]] as const) {
    test(`the launch ${name} is in the job's group before it runs anything, and its waiter is not`, async () => {
      const group = await makeGroup();
      const files = mkdtempSync(join(tmpdir(), "cs-cgroup-files-"));
      filesDirs.push(files);
      const launched = await Effect.runPromise(Effect.gen(function* () {
        return yield* (yield* Launcher).launch(spec(["-c", "exec sleep 30"]), join(files, "job"), { join: joinLine(group.dirs) });
      }).pipe(Effect.provide(layer as Layer.Layer<Launcher>)));
      started.push(own(launched.pid));
      // once the launched process runs its program (the shell has exec'd it), the join is behind it
      const deadline = Date.now() + 10_000;
      while (!readFileSync(`/proc/${launched.pid}/cmdline`, "utf8").startsWith("sleep") && Date.now() < deadline) await Bun.sleep(5);
      expect(group.dirs[0]!.endsWith(v2PathOf(launched.pid)!)).toBe(true);
      // the waiting parent stays outside, so ending the group never takes it before it records the end
      const waiter = Number(/\) \S+ (\d+)/.exec(readFileSync(`/proc/${launched.pid}/stat`, "utf8"))![1]);
      expect(group.dirs[0]!.endsWith(v2PathOf(waiter)!)).toBe(false);
      const end = await run((c) => c.end(group, 5_000));
      expect(end).toMatchObject({ survivors: [], removed: true, how: "cgroup.kill" });
      expect(end.ended.map((m) => m.pid)).toContain(launched.pid);
      expect(isAlive(launched.pid)).toBe(false);
    });
  }

  test("end stops a fork loop racing it: every member, and what each forked meanwhile", async () => {
    const group = await makeGroup({ pids: 200 });
    const loop = Bun.spawn(["/bin/sh", "-c", `${joinLine(group.dirs)} || exit 125; exec sh -c 'while :; do sleep 100 & done'`], { stdout: "ignore", stderr: "ignore" });
    started.push(own(loop.pid));
    const deadline = Date.now() + 10_000;
    while ((await run((c) => c.members(group))).length < 50 && Date.now() < deadline) await Bun.sleep(10);
    const end = await run((c) => c.end(group, 5_000));
    expect(end.ended.length).toBeGreaterThanOrEqual(50);
    expect(end).toMatchObject({ survivors: [], removed: true });
    for (const dir of group.dirs) expect(existsSync(dir)).toBe(false);
    await loop.exited;
  });

  test("release keeps a group that still holds a process, and removes it once empty", async () => {
    const group = await makeGroup();
    const member = Bun.spawn(["/bin/sh", "-c", `${joinLine(group.dirs)} || exit 125; exec sleep 30`]);
    started.push(own(member.pid));
    const deadline = Date.now() + 10_000;
    while ((await run((c) => c.members(group))).length === 0 && Date.now() < deadline) await Bun.sleep(10);
    expect(await run((c) => c.release(group))).toBe(false);
    expect(existsSync(group.dirs[0]!)).toBe(true);
    member.kill("SIGKILL");
    await member.exited;
    expect(await run((c) => c.release(group))).toBe(true);
    for (const dir of group.dirs) expect(existsSync(dir)).toBe(false);
  });

  test("sweep removes empty groups older than the age given, and no younger ones", async () => {
    const group = await makeGroup();
    await run((c) => c.sweep(60_000));
    expect(existsSync(group.dirs[0]!)).toBe(true); // a launch may be about to join it
    await run((c) => c.sweep(0));
    expect(existsSync(group.dirs[0]!)).toBe(false);
  });
});
