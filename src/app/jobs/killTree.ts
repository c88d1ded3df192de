import * as Clock from "effect/Clock";
import * as Effect from "effect/Effect";
import { identityOf, type ProcessIdentity, type ProcessInfo, type ProcessStatus, sameProcess, type SignalTarget } from "../../core/process.ts";
import { collectJobTree, couldBeStray, isChildOfMember, isStrayOfJob, type JobMarks } from "../../core/tree.ts";
import { ProcessTable, type Watermark } from "../../services/ProcessTable.ts";
import { Signals, type SignalOutcome } from "../../services/Signals.ts";
import { fn } from "../../core/fn.ts";

export interface KillTreeReport {
  /** Every process found to belong to the tree, with the signals each was sent. */
  readonly members: ReadonlyArray<{ readonly pid: number; readonly argv: string; readonly signals: ReadonlyArray<string> }>;
  /** Members still running at the end: a kill with any is not a success. */
  readonly survivors: ReadonlyArray<number>;
  /** Why each survivor is left, survivor for survivor. */
  readonly survivorReasons: ReadonlyArray<{ readonly pid: number; readonly reason: string }>;
  readonly refused: ReadonlyArray<{ readonly pid: number; readonly reason: string }>;
  readonly elapsedMs: number;
}

// Waiting polls the known members one /proc/PID/stat each, first soon (a cooperative
// tree is gone within milliseconds of SIGTERM), then backing off.
const FIRST_PAUSE_MS = 2;
const MAX_PAUSE_MS = 16;
// How long before the deadline the whole table is read once more, so that what a member
// forked during the grace is known, and forced, with it: longer than a pause and than
// a scan of a busy machine (~30 ms with 1,000 processes), so it is done by the deadline.
const LEAD_SCAN_MS = 50;
// How many polls past the deadline a SIGKILLed member (in D state, say) is waited for.
const OVERDUE_POLLS = 50;
const QUICK_OVERDUE_POLLS = 10;
// How long after its SIGKILL a member still alive is sent another. A process can take tens of ms
// to exit on a busy machine (threads to stop, memory to free); a second SIGKILL sooner changes
// nothing. (Counting ten polls was ~130 ms while polls backed off from the start, and ~20 ms
// once the first ten came every 2 ms.)
const REKILL_AFTER_MS = 100;

// Members are known by identity, not PID: a PID freed during the kill may come back as
// a new member (or a stranger), and must be judged as the new process it is.
const keyOf = (p: { readonly pid: number; readonly startTime: string }) => `${p.pid}:${p.startTime}`;

/**
 * Ends a whole tree: freeze it (SIGSTOP) and look again until it stops growing, so
 * a process forking during the kill cannot outrun it; then SIGTERM everything and
 * SIGCONT all but the roots, wait for it to go, SIGKILL what is left at the deadline;
 * then let the roots go the same way. One grace, from the SIGTERM, covers both: roots
 * continued after the deadline are SIGKILLed at once. Every signal goes through
 * Signals, which re-verifies the process first.
 *
 * The roots (launcher, native Codex) go last, frozen until the rest is gone: their
 * being alive is what keeps a job `running`, so a kill cut short (the watchdog itself
 * killed, the CLI interrupted) leaves a job that is still running and is killed again
 * — never one recorded as ended while its tools live on, frozen, with nobody to end them.
 */
export const killTree = fn("killTree")(function* (
  roots: ReadonlyArray<ProcessIdentity>,
  marks: JobMarks,
  graceMs: number,
  /** A snapshot just taken (with the watermark read before it), to start from instead of taking another. */
  given?: { readonly table: ReadonlyArray<ProcessInfo>; readonly watermark: Watermark | undefined },
  /** Told of each phase as it ends (`kill --trace`). */
  onPhase?: (phase: string) => void,
) {
  const table = yield* ProcessTable;
  const signals = yield* Signals;
  const bootId = yield* table.bootId();
  const started = yield* Clock.currentTimeMillis;
  const known = new Map<string, { identity: SignalTarget; argv: string; signals: string[] }>();
  const ended = new Set<string>();
  const refused = new Map<string, string>();
  const rootKeys = new Set(roots.map(keyOf));

  // A member found by the parent walk is the job's whatever its owner (a tool may switch user): its
  // signals may go to another uid. A root is a record, a stray only claims the job: theirs must be ours.
  const track = (p: ProcessInfo, byParent: boolean) => known.set(keyOf(p), {
    identity: { ...identityOf(p, bootId), ...(byParent && p.uid !== marks.uid && !rootKeys.has(keyOf(p)) ? { anyOwner: true } : {}) },
    argv: p.argv.join(" ").slice(0, 200),
    signals: [],
  });

  // After the first full read, a look asks the kernel which processes started since the last
  // one (see ProcessTable.startedSince) and judges only those: a child of a member (by
  // identity: a member's PID may already name another), or a stray that proves itself the
  // job's. Nothing that existed before can join the tree but by being adopted, which only a
  // subreaper does; the last look of all is a full read anyway.
  let mark = given?.watermark;
  let first = given;
  const startedSince = fn("killTree.startedSince")(function* (since: Watermark) {
    const started = yield* table.startedSince(since);
    if (!started) return undefined;
    mark = started.now;
    const byPid = new Map<number, ProcessInfo | undefined>(started.processes.map((p) => [p.pid, p]));
    // every parent read before anything is judged: a read that fails leaves nothing half-known
    for (const p of started.processes) if (!byPid.has(p.ppid)) byPid.set(p.ppid, yield* table.read(p.ppid));
    const fresh: ProcessInfo[] = [];
    for (let grew = true; grew;) {
      grew = false;
      for (const p of started.processes) {
        if (p.state === "Z" || p.pid <= 1 || known.has(keyOf(p))) continue;
        const parent = byPid.get(p.ppid);
        const child = parent !== undefined && parent.pid > 1 && known.has(keyOf(parent)) && isChildOfMember(p, parent, marks.uid);
        if (!child && !(couldBeStray(p, parent, marks) && isStrayOfJob(p, yield* table.environ(p.pid), parent, marks))) continue;
        track(p, child);
        fresh.push(p);
        grew = true;
      }
    }
    return fresh;
  });

  /** A look at the process table; returns the members it finds that were not known yet. */
  const scan = fn("killTree.scan")(function* (options?: { readonly full?: boolean }) {
    if (!options?.full && !first && mark) {
      // a process that cannot be read now (a transient /proc error) is judged by a full read instead
      const fresh = yield* startedSince(mark).pipe(Effect.catchTag("ProcessTableError", () => Effect.succeed(undefined)));
      if (fresh) return fresh;
    }
    let snapshot: ReadonlyArray<ProcessInfo>;
    if (first) {
      snapshot = first.table;
      first = undefined;
    } else {
      mark = yield* table.watermark();
      snapshot = yield* table.snapshot();
    }
    const byPid = new Map(snapshot.map((p) => [p.pid, p]));
    const liveRoots = roots.flatMap((r) => {
      const p = sameProcess(r, byPid.get(r.pid));
      return p && p.state !== "Z" ? [p] : [];
    });
    const strays: ProcessInfo[] = [];
    for (const p of snapshot) {
      const parent = byPid.get(p.ppid);
      if (known.has(keyOf(p)) || !couldBeStray(p, parent, marks)) continue;
      if (isStrayOfJob(p, yield* table.environ(p.pid), parent, marks)) strays.push(p);
    }
    const knownLive = [...known.values()].flatMap(({ identity }) => {
      const p = sameProcess(identity, byPid.get(identity.pid));
      return p ? [p] : [];
    });
    const fresh: ProcessInfo[] = [];
    const strayKeys = new Set(strays.map(keyOf));
    for (const p of collectJobTree(snapshot, [...liveRoots, ...knownLive], strays, marks.uid)) {
      if (p.state === "Z") continue;
      if (!known.has(keyOf(p))) {
        track(p, !strayKeys.has(keyOf(p)));
        fresh.push(p);
      }
    }
    return fresh;
  });

  /** One signal to several members (each re-verified by Signals just before its own); returns how many were sent. */
  const sendAll = fn("killTree.sendAll")(function* (keys: ReadonlyArray<string>, signal: NodeJS.Signals) {
    const outcomes: ReadonlyArray<SignalOutcome> = yield* signals.sendAll(keys.map((key) => known.get(key)!.identity), signal);
    let sent = 0;
    outcomes.forEach((outcome, i) => {
      const key = keys[i]!;
      if (outcome._tag === "Sent") {
        known.get(key)!.signals.push(signal);
        sent++;
      } else if (outcome._tag === "Refused") refused.set(key, outcome.reason);
    });
    return sent;
  });

  /** Members not yet seen gone (nor refused, unless `withRefused`); `withRoots` false leaves the (frozen) roots out. */
  const pending = (withRoots: boolean, withRefused = false) =>
    [...known.keys()].filter((key) => !ended.has(key) && (withRefused || !refused.has(key)) && (withRoots || !rootKeys.has(key)));

  /**
   * Keys of members still alive, one cheap read each (in one pass: no Effect per member). With
   * `firstOnly`, it stops at the first one alive: all that waiting needs to know, and polling
   * 50 members every 2 ms would take CPU from the very processes it waits on to exit.
   */
  const alive = (withRoots = true, firstOnly = false, withRefused = false) => Effect.sync(() => {
    const out: string[] = [];
    for (const key of pending(withRoots, withRefused)) {
      if (firstOnly && out.length > 0) break;
      const { identity } = known.get(key)!;
      // a read that fails (a transient /proc error) proves nothing: the member counts as alive until
      // one succeeds, and failing the kill here would leave the frozen tree frozen
      let live: ProcessStatus | undefined;
      try {
        live = sameProcess(identity, table.statusNow(identity.pid));
      } catch {
        out.push(key);
        continue;
      }
      if (live && live.state !== "Z") out.push(key);
      else ended.add(key);
    }
    return out;
  });

  // 1. freeze until the tree stops growing
  for (let round = 0; round < 20; round++) {
    const fresh = yield* scan();
    if (fresh.length === 0) break;
    yield* sendAll(fresh.map(keyOf), "SIGSTOP");
  }
  onPhase?.(`frozen: ${known.size} process(es)`);
  // 2. ask everything to stop; let all but the roots run their handlers. The grace runs from
  // the SIGTERM: continuing 50 frozen processes takes 5-20 ms of a busy machine, not theirs to spend.
  yield* sendAll([...known.keys()], "SIGTERM");
  const deadline = (yield* Clock.currentTimeMillis) + graceMs;
  onPhase?.(`SIGTERM sent: the grace of ${graceMs} ms runs from here`);
  yield* sendAll([...known.keys()].filter((key) => !rootKeys.has(key)), "SIGCONT");
  onPhase?.("continued all but the roots");

  // 3. wait until the deadline, then force; catch whatever is forked meanwhile.
  // Gone only once a scan made after every member was seen gone finds nothing new: a member
  // that forked on its way out (a TERM handler) did so before it went, so that scan sees it.
  // Until then it is a cheap read per known member; the roots wait for that scan even past
  // the deadline, or a kill cut short could leave a late child running after them.
  const settle = fn("killTree.settle")(function* (withRoots: boolean) {
    let pause = FIRST_PAUSE_MS;
    let leadScanned = false;
    let forcedAt = Number.NEGATIVE_INFINITY;
    for (let overdue = 0; overdue < OVERDUE_POLLS;) {
      const now = yield* Clock.currentTimeMillis;
      const left = deadline - now;
      if (left <= 0) {
        overdue++;
        // forced without a look first (each send verifies its process), then given a pause to die in
        // before the next look; again once REKILL_AFTER_MS have passed, for what did not die. Only a
        // look marks a member gone: a send also says Gone when its read failed, which proves nothing,
        // and such a member is forced again on the next poll (it has no SIGKILL on record).
        const again = now - forcedAt >= REKILL_AFTER_MS;
        const forced = yield* sendAll(pending(withRoots).filter((key) => again || !known.get(key)!.signals.includes("SIGKILL")), "SIGKILL");
        if (forced > 0) {
          forcedAt = now;
          onPhase?.(`past the deadline: SIGKILL sent to ${forced}`);
          pause = FIRST_PAUSE_MS;
          yield* Effect.sleep(pause);
          continue;
        }
      }
      const live = yield* alive(withRoots, true);
      if (live.length === 0) {
        // the very last look, once the roots too are gone, reads the whole table
        const late = yield* scan({ full: withRoots });
        if (late.length === 0) return;
        // past the deadline, a member found late gets no grace of its own
        yield* sendAll(late.map(keyOf), left > 0 ? "SIGTERM" : "SIGKILL");
        pause = FIRST_PAUSE_MS;
      } else if (left > 0 && left <= LEAD_SCAN_MS && !leadScanned) {
        leadScanned = true;
        yield* sendAll((yield* scan()).map(keyOf), "SIGTERM");
      }
      // the deadline passing during this round's work: force at once
      const toGo = deadline - (yield* Clock.currentTimeMillis);
      if (toGo > 0) yield* Effect.sleep(Math.min(pause, toGo));
      else if (left <= 0) yield* Effect.sleep(pause);
      // SIGKILLed processes go within milliseconds: past the deadline, look every FIRST_PAUSE_MS for
      // the first QUICK_OVERDUE_POLLS, then back off as in the grace, for one stuck in the kernel
      pause = left <= 0 && overdue < QUICK_OVERDUE_POLLS ? FIRST_PAUSE_MS : Math.min(pause * 2, MAX_PAUSE_MS);
    }
  });
  if (roots.some((r) => known.has(keyOf(r)))) {
    yield* settle(false);
    onPhase?.("all but the roots gone");
    // past the deadline, continuing the roots would only let them ignore SIGTERM again: SIGKILL ends a stopped process
    if ((yield* Clock.currentTimeMillis) < deadline) yield* sendAll([...rootKeys].filter((key) => known.has(key)), "SIGCONT");
  }
  yield* settle(true);
  // what was refused a signal and lives on is a survivor as much as what outlived its SIGKILL
  const left = yield* alive(true, false, true);
  onPhase?.(left.length === 0 ? "all gone, and a last look found nothing new" : `${left.length} survivor(s) left, and a last look found nothing new`);
  const survivorReason = (key: string) => {
    const why = refused.get(key);
    if (why) return `refused: ${why}${known.get(key)!.identity.uid === marks.uid ? "" : `; it runs as uid ${known.get(key)!.identity.uid}`}`;
    return known.get(key)!.signals.includes("SIGKILL") ? "still running after SIGKILL" : "still running";
  };
  const pidOf = (key: string) => known.get(key)!.identity.pid;
  return {
    members: [...known.values()].map((m) => ({ pid: m.identity.pid, argv: m.argv, signals: m.signals })),
    survivors: left.map(pidOf),
    survivorReasons: left.map((key) => ({ pid: pidOf(key), reason: survivorReason(key) })),
    refused: [...refused].map(([key, reason]) => ({ pid: pidOf(key), reason })),
    elapsedMs: (yield* Clock.currentTimeMillis) - started,
  } satisfies KillTreeReport;
});
