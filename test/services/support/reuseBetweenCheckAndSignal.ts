/**
 * Run inside a PID namespace of its own (`unshare --pid --fork --mount-proc`), where nothing
 * but this script takes PIDs, so a PID can be reused on purpose: sends SIGTERM through the
 * real Signals to a verified process that, between the identity check and the signal, dies
 * and is replaced by a new process with the same PID (ns_last_pid). The new process is
 * stopped, so a SIGTERM sent to it stays pending, visible in /proc/PID/status the moment the
 * send returns: whether it got the signal is read, not waited for. Prints what happened as
 * JSON. The namespace ends with this script (its PID 1), and every process in it with it.
 */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { Effect, Layer } from "effect";
import { identityOf } from "../../../src/core/process.ts";
import { ProcessTable } from "../../../src/services/ProcessTable.ts";
import { Signals } from "../../../src/services/Signals.ts";
import { readLinuxProcess } from "../../../src/services/proc/linux.ts";

const gone = (pid: number) => {
  try { readFileSync(`/proc/${pid}/stat`); return false; } catch { return true; }
};
/** Sync spin with a deadline: the hook below runs inside Signals' synchronous check. */
const spinUntil = (what: string, ok: () => boolean) => {
  const deadline = Date.now() + 5_000;
  while (!ok()) if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
};
/** Is a SIGTERM pending for the process (its ShdPnd mask, bit 15)? */
const sigtermPending = (pid: number) => {
  const mask = /^ShdPnd:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  if (mask === undefined) throw new Error(`no ShdPnd in /proc/${pid}/status`);
  return (BigInt(`0x${mask}`) & (1n << 14n)) !== 0n;
};
const detached = (argv: ReadonlyArray<string>) => spawn(argv[0]!, argv.slice(1), { detached: true, stdio: "ignore" }).pid!;

const attempt = async () => {
  // the victim is bash's child, so bash reaps it the moment it dies, while this script's code runs
  const out = `/tmp/reuse-${process.pid}-${crypto.randomUUID()}`;
  detached(["bash", "-c", `sleep 600 & echo $! > ${out}; wait`]);
  let victimPid = 0;
  const deadline = Date.now() + 5_000;
  while (!victimPid && Date.now() < deadline) {
    victimPid = Number(readFileSync(out, { encoding: "utf8", flag: "a+" }).trim()) || 0;
    if (!victimPid) await Bun.sleep(10);
  }
  const victim = readLinuxProcess(victimPid)!;
  let fresh: number | undefined;
  const swapping = Layer.effect(ProcessTable, Effect.gen(function* () {
    const table = yield* ProcessTable;
    return ProcessTable.of({
      ...table,
      // the check reads the victim, alive and verified; then, before the signal, the PID changes hands
      statusNow: (pid) => {
        const seen = table.statusNow(pid);
        if (pid !== victimPid || fresh !== undefined) return seen;
        process.kill(victimPid, "SIGKILL");
        spinUntil("the victim reaped", () => gone(victimPid));
        writeFileSync("/proc/sys/kernel/ns_last_pid", String(victimPid - 1));
        fresh = detached(["sleep", "600"]);
        process.kill(fresh, "SIGSTOP");
        spinUntil("the new process stopped", () => readLinuxProcess(fresh!)?.state === "T");
        return seen;
      },
    });
  })).pipe(Layer.provide(ProcessTable.layer));
  const outcome = await Effect.runPromise(Effect.gen(function* () {
    const table = yield* ProcessTable;
    return (yield* (yield* Signals).sendAll([identityOf(victim, yield* table.bootId())], "SIGTERM"))[0]!;
  }).pipe(Effect.provide(Signals.layer.pipe(Layer.provide(swapping), Layer.provideMerge(swapping)))));
  return { victimPid, freshPid: fresh, outcome, freshGotSigterm: fresh !== undefined && sigtermPending(fresh) };
};

const tries = [];
for (let i = 0; i < 10; i++) {
  const r = await attempt();
  tries.push(r);
  if (r.freshPid === r.victimPid) break; // a thread of this runtime took the PID first: try again
}
console.log(JSON.stringify({ result: tries.at(-1), attempts: tries.length }));
process.exit(0);
