import * as Effect from "effect/Effect";
import { identityOf, type ProcessIdentity, type ProcessInfo } from "../process.ts";
import { collectJobTree, couldBeStray, isStrayOfJob, type JobMarks } from "../tree.ts";
import { ProcessTable } from "../../services/ProcessTable.ts";
import { Signals, type SignalOutcome } from "../../services/Signals.ts";

export interface KillTreeReport {
  /** Every process found to belong to the tree, with the signals each was sent. */
  readonly members: ReadonlyArray<{ readonly pid: number; readonly argv: string; readonly signals: ReadonlyArray<string> }>;
  readonly survivors: ReadonlyArray<number>;
  readonly refused: ReadonlyArray<{ readonly pid: number; readonly reason: string }>;
  readonly elapsedMs: number;
}

const POLL_MS = 10;

// Members are known by identity, not PID: a PID freed during the kill may come back as
// a new member (or a stranger), and must be judged as the new process it is.
const keyOf = (p: { readonly pid: number; readonly startTime: string }) => `${p.pid}:${p.startTime}`;

/**
 * Ends a whole tree: freeze it (SIGSTOP) and look again until it stops growing, so
 * a process forking during the kill cannot outrun it; then SIGTERM everything and
 * SIGCONT all but the roots, wait up to `graceMs` for it to go, SIGKILL what is left,
 * scan again; then let the roots go the same way. Every signal goes through Signals,
 * which re-verifies the process first.
 *
 * The roots (launcher, native Codex) go last, frozen until the rest is gone: their
 * being alive is what keeps a job `running`, so a kill cut short (the watchdog itself
 * killed, the CLI interrupted) leaves a job that is still running and is killed again
 * — never one recorded as ended while its tools live on, frozen, with nobody to end them.
 */
export const killTree = Effect.fn("killTree")(function* (
  roots: ReadonlyArray<ProcessIdentity>,
  marks: JobMarks,
  graceMs: number,
) {
  const table = yield* ProcessTable;
  const signals = yield* Signals;
  const bootId = yield* table.bootId();
  const started = Date.now();
  const known = new Map<string, { identity: ProcessIdentity; argv: string; signals: string[] }>();
  const refused = new Map<string, string>();
  const rootKeys = new Set(roots.map(keyOf));

  const scan = Effect.fn("killTree.scan")(function* () {
    const snapshot = yield* table.snapshot();
    const byPid = new Map(snapshot.map((p) => [p.pid, p]));
    const liveRoots = roots.flatMap((r) => {
      const p = byPid.get(r.pid);
      return p && p.startTime === r.startTime && p.state !== "Z" ? [p] : [];
    });
    const strays: ProcessInfo[] = [];
    for (const p of snapshot) {
      const parent = byPid.get(p.ppid);
      if (known.has(keyOf(p)) || !couldBeStray(p, parent, marks)) continue;
      if (isStrayOfJob(p, yield* table.environ(p.pid), parent, marks)) strays.push(p);
    }
    const knownLive = [...known.values()].flatMap(({ identity }) => {
      const p = byPid.get(identity.pid);
      return p && p.startTime === identity.startTime ? [p] : [];
    });
    const fresh: ProcessInfo[] = [];
    for (const p of collectJobTree(snapshot, [...liveRoots, ...knownLive], strays)) {
      if (p.state === "Z") continue;
      if (!known.has(keyOf(p))) {
        known.set(keyOf(p), { identity: identityOf(p, bootId), argv: p.argv.join(" ").slice(0, 200), signals: [] });
        fresh.push(p);
      }
    }
    return fresh;
  });

  const send = Effect.fn("killTree.send")(function* (key: string, signal: NodeJS.Signals) {
    const member = known.get(key)!;
    const outcome: SignalOutcome = yield* signals.send(member.identity, signal);
    if (outcome._tag === "Sent") member.signals.push(signal);
    else if (outcome._tag === "Refused") refused.set(key, outcome.reason);
    return outcome;
  });

  /** Keys of members still alive; `withRoots` false leaves the (frozen) roots out. */
  const alive = Effect.fn("killTree.alive")(function* (withRoots = true) {
    const out: string[] = [];
    for (const [key, { identity }] of known) {
      if (refused.has(key) || (!withRoots && rootKeys.has(key))) continue;
      const p = yield* table.read(identity.pid);
      if (p && p.startTime === identity.startTime && p.state !== "Z") out.push(key);
    }
    return out;
  });

  // 1. freeze until the tree stops growing
  for (let round = 0; round < 20; round++) {
    const fresh = yield* scan();
    if (fresh.length === 0) break;
    for (const p of fresh) yield* send(keyOf(p), "SIGSTOP");
  }
  // 2. ask everything to stop; let all but the roots run their handlers
  for (const key of known.keys()) yield* send(key, "SIGTERM");
  for (const key of known.keys()) if (!rootKeys.has(key)) yield* send(key, "SIGCONT");
  // 3. grace, then force: first the rest of the tree, then the roots; catch whatever is forked meanwhile
  // Gone only once a scan made after every member was seen gone finds nothing new: a member
  // that forked on its way out (a TERM handler) did so before it went, so that scan sees it.
  const gone = Effect.fn("killTree.gone")(function* (withRoots: boolean) {
    if ((yield* alive(withRoots)).length > 0) return false;
    const late = yield* scan();
    for (const p of late) yield* send(keyOf(p), "SIGTERM");
    return late.length === 0;
  });
  const finish = Effect.fn("killTree.finish")(function* (withRoots: boolean) {
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline) {
      for (const p of yield* scan()) yield* send(keyOf(p), "SIGTERM");
      if (yield* gone(withRoots)) return;
      yield* Effect.sleep(POLL_MS);
    }
    for (let round = 0; round < 50; round++) {
      yield* scan();
      if (yield* gone(withRoots)) return;
      if (round % 10 === 0) for (const key of yield* alive(withRoots)) yield* send(key, "SIGKILL");
      yield* Effect.sleep(POLL_MS);
    }
  });
  yield* finish(false);
  for (const key of rootKeys) if (known.has(key)) yield* send(key, "SIGCONT");
  yield* finish(true);
  const pidOf = (key: string) => known.get(key)!.identity.pid;
  const survivors = (yield* alive()).map(pidOf);
  return {
    members: [...known.values()].map((m) => ({ pid: m.identity.pid, argv: m.argv, signals: m.signals })),
    survivors,
    refused: [...refused].map(([key, reason]) => ({ pid: pidOf(key), reason })),
    elapsedMs: Date.now() - started,
  } satisfies KillTreeReport;
});
