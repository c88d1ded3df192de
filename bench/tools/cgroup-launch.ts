#!/usr/bin/env bun
/**
 * What a cgroup per job costs at launch and does at kill, through the app's own Cgroups service:
 *
 *   launch, plain:   spawn `/bin/true` detached, until it has exited
 *   launch, via sh:  the same through `/bin/sh -c 'exec "$@"'`: the prelude's shell without the join
 *   launch, cgroup:  make the job's groups (with a pids limit, so the v1 or v2 limit path runs too),
 *                    spawn it through the join prelude, until it has exited, then remove the groups
 *   kill:            a group holding an escaped, env-scrubbed `sleep`: Cgroups.end (freeze,
 *                    cgroup.kill, wait empty, remove), ms
 *
 * Median and max of R runs each, interleaved. Needs a machine that gives this user cgroups.
 *
 *   bun bench/tools/cgroup-launch.ts [--reps 15]
 */
import { spawn } from "node:child_process";
import { Effect } from "effect";
import { joinLine } from "../../src/core/cgroup.ts";
import { Cgroups } from "../../src/services/Cgroups.ts";
import { numberArg } from "../lib/inProcess.ts";

const reps = numberArg("reps", 15);
const layer = Cgroups.layer;
const run = <A, E>(use: (c: Cgroups["Service"]) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.gen(function* () { return yield* use(yield* Cgroups); }).pipe(Effect.provide(layer)));

const exited = (program: string, args: string[]) => new Promise<number | null>((resolve, reject) => {
  const child = spawn(program, args, { detached: true, stdio: "ignore" });
  child.once("error", reject);
  child.once("exit", (code) => resolve(code));
});

const plain = async () => {
  const t = performance.now();
  await exited("/bin/true", []);
  return performance.now() - t;
};

const viaShell = async () => {
  const t = performance.now();
  await exited("/bin/sh", ["-c", `exec "$@"`, "sh", "/bin/true"]);
  return performance.now() - t;
};

const parts = { create: [] as number[], launch: [] as number[], remove: [] as number[] };
const grouped = async (i: number) => {
  const t0 = performance.now();
  const group = await run((c) => c.create(`bench-launch-${process.pid}-${i}`, { pids: 1000 }));
  if (!group) throw new Error("no cgroup on this machine: see `codex-supervisor doctor`");
  const t1 = performance.now();
  const code = await exited("/bin/sh", ["-c", `${joinLine(group.dirs)} || exit 125; exec "$@"`, "sh", "/bin/true"]);
  if (code !== 0) throw new Error(`the prelude failed (exit ${code})`);
  const t2 = performance.now();
  const removed = await run((c) => c.release(group));
  if (!removed) throw new Error(`could not remove ${group.dirs.join(", ")}`);
  const t3 = performance.now();
  parts.create.push(t1 - t0);
  parts.launch.push(t2 - t1);
  parts.remove.push(t3 - t2);
  return t3 - t0;
};

const killed = async (i: number) => {
  const group = await run((c) => c.create(`bench-kill-${process.pid}-${i}`, {}));
  if (!group) throw new Error("no cgroup on this machine");
  await exited("/bin/sh", ["-c", `${joinLine(group.dirs)} || exit 125; exec "$@"`, "sh", "setsid", "env", "-i", "sh", "-c", "sleep 900 & exit"]);
  const t = performance.now();
  const end = await run((c) => c.end(group, 5_000));
  if (end.ended.length !== 1 || end.survivors.length > 0 || !end.removed) throw new Error(`kill did not end the group: ${JSON.stringify(end)}`);
  return performance.now() - t;
};

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `median ${s[Math.floor(s.length / 2)]!.toFixed(2)} ms, max ${s.at(-1)!.toFixed(2)} ms`;
};

const sh: number[] = [];
const a: number[] = [];
const b: number[] = [];
const k: number[] = [];
for (let i = 0; i < reps; i++) {
  a.push(await plain());
  sh.push(await viaShell());
  b.push(await grouped(i));
  k.push(await killed(i));
}
const plan = await run((c) => c.plan());
console.log(`plan: ${JSON.stringify(plan)}`);
console.log(`launch, plain:  ${stats(a)}`);
console.log(`launch, via sh: ${stats(sh)} (the prelude's shell alone, joining nothing)`);
console.log(`launch, cgroup: ${stats(b)} (make groups + pids limit, join, exec, remove)`);
console.log(`  of which: make ${stats(parts.create)}; join + exec ${stats(parts.launch)}; remove ${stats(parts.remove)}`);
console.log(`kill, cgroup:   ${stats(k)} (freeze, cgroup.kill, wait empty, remove: one escaped sleep)`);
