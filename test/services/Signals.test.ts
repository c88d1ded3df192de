import { Effect, Layer } from "effect";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { identityOf, type SignalTarget } from "../../src/core/process.ts";
import { ProcessTable } from "../../src/services/ProcessTable.ts";
import { kernel, KernelError } from "../../src/services/proc/signal.ts";
import { readLinuxProcess } from "../../src/services/proc/linux.ts";
import { Signals } from "../../src/services/Signals.ts";
import { otherUser } from "../adversarial/support/otherUser.ts";
import { processKeeper, stillRunning, until } from "../adversarial/support/procs.ts";

const layer = Signals.layer.pipe(Layer.provideMerge(ProcessTable.layer));
const send = (target: SignalTarget, signal: NodeJS.Signals) =>
  Effect.runPromise(Effect.gen(function* () { return (yield* (yield* Signals).sendAll([target], signal))[0]!; }).pipe(Effect.provide(layer)));
const identity = (pid: number) =>
  Effect.runPromise(Effect.gen(function* () {
    const table = yield* ProcessTable;
    return identityOf((yield* table.read(pid))!, yield* table.bootId());
  }).pipe(Effect.provide(ProcessTable.layer)));

const keeper = processKeeper(`signals-${crypto.randomUUID()}`);
const saved = { ...kernel };
afterEach(async () => {
  Object.assign(kernel, saved);
  await keeper.cleanup();
});
const isRoot = process.getuid?.() === 0;

describe("Signals", () => {
  test.skipIf(!isRoot)("a PID reused between the identity check and the signal never receives it (the signal goes through a pidfd)", async () => {
    // In a PID namespace of its own nothing else takes PIDs: the script makes the verified process die and a
    // new (stopped) one take its PID right after the check, then reads whether that one got the SIGTERM.
    const script = join(import.meta.dirname, "support/reuseBetweenCheckAndSignal.ts");
    const run = Bun.spawnSync(["unshare", "--pid", "--fork", "--mount-proc", process.execPath, script], { stdout: "pipe", stderr: "pipe" });
    expect(run.exitCode, run.stderr.toString()).toBe(0);
    const { result } = JSON.parse(run.stdout.toString()) as {
      result: { victimPid: number; freshPid: number; outcome: { _tag: string }; freshGotSigterm: boolean };
    };
    expect(result.freshPid).toBe(result.victimPid); // the PID was really reused in between
    expect(result.freshGotSigterm).toBe(false);
    expect(result.outcome).toEqual({ _tag: "Gone" });
  });

  test("without pidfds (the portable path) kill(2) still ends a verified process, and refuses a reused PID", async () => {
    kernel.pidfdOpen = () => undefined;
    const sent: number[] = [];
    kernel.kill = (pid, signal) => { sent.push(pid); saved.kill.call(kernel, pid, signal); };
    const target = await identity(keeper.spawnDetached(["sleep", "60"], keeper.env()).pid);
    expect(await send({ ...target, startTime: String(Number(target.startTime) - 1) }, "SIGKILL")).toEqual({ _tag: "Refused", reason: "reused" });
    expect(stillRunning(target)).toBe(true);
    expect(await send(target, "SIGKILL")).toEqual({ _tag: "Sent" });
    expect(sent).toEqual([target.pid]);
    await until("the process ended", () => !stillRunning(target) || undefined);
  });

  test("a signal the kernel does not permit is refused, and says why", async () => {
    kernel.pidfdSend = () => { throw new KernelError("EPERM"); };
    kernel.kill = () => { throw new KernelError("EPERM"); };
    const target = await identity(keeper.spawnDetached(["sleep", "60"], keeper.env()).pid);
    expect(await send(target, "SIGTERM")).toEqual({ _tag: "Refused", reason: "the signal is not permitted (EPERM)" });
  });

  const user = otherUser();
  test.skipIf(!user.ok)("another user's process is signalled only as a proven descendant (anyOwner), never on a record alone", async () => {
    if (!user.ok) throw new Error(user.reason);
    const spawned = keeper.spawnDetached(user.argv(["sleep", "60"]), keeper.env());
    const theirs = await until("their sleep", () => {
      const p = readLinuxProcess(spawned.pid);
      return p?.uid === user.uid ? p : undefined;
    });
    const target = await identity(theirs.pid);
    expect(await send(target, "SIGTERM")).toEqual({ _tag: "Refused", reason: "other-user" });
    expect(stillRunning(target)).toBe(true);
    expect(await send({ ...target, anyOwner: true }, "SIGKILL")).toEqual({ _tag: "Sent" });
    await until("their sleep ended", () => !stillRunning(target) || undefined);
  });
});
