import { Effect } from "effect";
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

/**
 * Ends a whole tree: freeze it (SIGSTOP) and look again until it stops growing, so
 * a process forking during the kill cannot outrun it; then SIGTERM and SIGCONT
 * everything, wait up to `graceMs` for it to go, SIGKILL what is left, scan again.
 * Every signal goes through Signals, which re-verifies the process first.
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
  const known = new Map<number, { identity: ProcessIdentity; argv: string; signals: string[] }>();
  const refused = new Map<number, string>();

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
      if (known.has(p.pid) || !couldBeStray(p, parent, marks)) continue;
      if (isStrayOfJob(p, yield* table.environ(p.pid), parent, marks)) strays.push(p);
    }
    const knownLive = [...known.values()].flatMap(({ identity }) => {
      const p = byPid.get(identity.pid);
      return p && p.startTime === identity.startTime ? [p] : [];
    });
    const fresh: ProcessInfo[] = [];
    for (const p of collectJobTree(snapshot, [...liveRoots, ...knownLive], strays)) {
      if (p.state === "Z") continue;
      if (!known.has(p.pid)) {
        known.set(p.pid, { identity: identityOf(p, bootId), argv: p.argv.join(" ").slice(0, 200), signals: [] });
        fresh.push(p);
      }
    }
    return fresh;
  });

  const send = Effect.fn("killTree.send")(function* (pid: number, signal: NodeJS.Signals) {
    const member = known.get(pid)!;
    const outcome: SignalOutcome = yield* signals.send(member.identity, signal);
    if (outcome._tag === "Sent") member.signals.push(signal);
    else if (outcome._tag === "Refused") refused.set(pid, outcome.reason);
    return outcome;
  });

  const alive = Effect.fn("killTree.alive")(function* () {
    const out: number[] = [];
    for (const [pid, { identity }] of known) {
      if (refused.has(pid)) continue;
      const p = yield* table.read(pid);
      if (p && p.startTime === identity.startTime && p.state !== "Z") out.push(pid);
    }
    return out;
  });

  // 1. freeze until the tree stops growing
  for (let round = 0; round < 20; round++) {
    const fresh = yield* scan();
    if (fresh.length === 0) break;
    for (const p of fresh) yield* send(p.pid, "SIGSTOP");
  }
  // 2. ask everything to stop, then let it run its handlers
  for (const pid of known.keys()) yield* send(pid, "SIGTERM");
  for (const pid of known.keys()) yield* send(pid, "SIGCONT");
  // 3. grace: catch whatever is forked while shutting down
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    for (const p of yield* scan()) {
      yield* send(p.pid, "SIGTERM");
    }
    if ((yield* alive()).length === 0) break;
    yield* Effect.sleep(POLL_MS);
  }
  // 4. force what is left, and look again
  for (let round = 0; round < 50; round++) {
    yield* scan();
    const left = yield* alive();
    if (left.length === 0) break;
    if (round % 10 === 0) for (const pid of left) yield* send(pid, "SIGKILL");
    yield* Effect.sleep(POLL_MS);
  }
  const survivors = yield* alive();
  return {
    members: [...known].map(([pid, m]) => ({ pid, argv: m.argv, signals: m.signals })),
    survivors,
    refused: [...refused].map(([pid, reason]) => ({ pid, reason })),
    elapsedMs: Date.now() - started,
  } satisfies KillTreeReport;
});
