#!/usr/bin/env bun
/**
 * What finding strays costs `list`: N Codex-shaped jobs, and A idle processes adopted by init
 * (each `setsid`'d out of its shell, as a daemon is: the candidates whose environment the stray
 * pass reads, the worst case of a desktop whose user services all hang below `systemd --user`),
 * then, in-process, CPU ms per call (median of R) of the snapshot, the stray pass alone, and the
 * whole of `listEverything`.
 *
 *   bun bench/tools/stray-pass.ts [--jobs 20] [--adopted 200] [--reps 15]
 */
import { readFileSync } from "node:fs";
import { Effect } from "effect";
import { listEverything } from "../../src/app/jobs/list.ts";
import { observe } from "../../src/app/jobs/observe.ts";
import { findStrays } from "../../src/app/jobs/strays.ts";
import { inFleet, numberArg, stageTimer } from "../lib/inProcess.ts";
import { allPids } from "../lib/procs.ts";

const adopted = numberArg("adopted", 200);

await inFleet({ jobs: numberArg("jobs", 20), others: 0 }, (ctx) => Effect.gen(function* () {
  // each sleeper's shell exits at once: the sleeps are reparented to init, adopted as a daemon's are
  const marker = `cs-stray-pass-${process.pid}`;
  const starter = ctx.spawn(["bash", "-c", `for i in $(seq ${adopted}); do setsid bash -c 'exec -a ${marker} sleep 86400' >/dev/null 2>&1 < /dev/null & done`]);
  yield* Effect.promise(() => starter.exited);
  const sleepers = () => allPids().filter((pid) => {
    try { return readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith(`${marker}\0`); } catch { return false; }
  });
  const deadline = Date.now() + 60_000;
  while (sleepers().length < adopted && Date.now() < deadline) yield* Effect.sleep(100);
  try {
    const { time, report } = stageTimer("ms");
    for (let i = 0; i < numberArg("reps", 15); i++) {
      const obs = yield* time("observe (snapshot)", observe());
      yield* time("stray pass", findStrays(obs, new Set(), () => Effect.succeed(undefined)));
      yield* time("listEverything(obs)", listEverything({ all: false }, obs));
    }
    process.stdout.write(`${sleepers().length} adopted processes beside the fleet\n`);
    report();
  } finally {
    for (const pid of sleepers()) { try { process.kill(pid, "SIGKILL"); } catch { /* gone */ } }
  }
}));
