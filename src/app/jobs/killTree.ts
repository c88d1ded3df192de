import * as Clock from "effect/Clock";
import * as Effect from "effect/Effect";
import { identityOf, type ProcessIdentity, type ProcessInfo, type ProcessStatus, sameProcess, type SignalTarget } from "../../core/process.ts";
import { collectJobTree, couldBeStray, isChildOfMember, isStrayOfJob, type JobMarks } from "../../core/tree.ts";
import { ProcessTable, type Watermark } from "../../services/ProcessTable.ts";
import { Signals, type SignalOutcome } from "../../services/Signals.ts";
import { fn } from "../../core/fn.ts";

// The kill of a whole tree (killTree, at the bottom), as steps over one explicit KillState:
//   1. freeze: look and SIGSTOP what is new until a look finds nothing more;
//   2. terminate: SIGTERM every member, SIGCONT all but the roots; the grace runs from here;
//   3. settle: poll the members until they are gone (looking again for what they fork), SIGKILL
//      what is left at the deadline; first without the roots, then (releaseRoots) with them;
//   4. report: every member with the signals it was sent, and each survivor with why it is left.

export interface KillTreeReport {
  /** Every process found to belong to the tree, with the signals each was sent. */
  readonly members: ReadonlyArray<{ readonly pid: number; readonly argv: string; readonly signals: ReadonlyArray<string> }>;
  /** Members still running at the end: a kill with any is not a success. */
  readonly survivors: ReadonlyArray<number>;
  /** Why each survivor is left, survivor for survivor. */
  readonly survivorReasons: ReadonlyArray<{ readonly pid: number; readonly reason: string }>;
  readonly refused: ReadonlyArray<{ readonly pid: number; readonly reason: string }>;
  /**
   * What the kill could not check, in words (`the environment of pid 123, …`): a process that
   * could be a stray of the job but whose marker could not be read, or a fact the backend cannot
   * read at all. A kill with any did not prove the job gone, whatever `survivors` says.
   */
  readonly unchecked: ReadonlyArray<string>;
  readonly elapsedMs: number;
}

// Waiting polls the known members one /proc/PID/stat each, first soon (a cooperative
// tree is gone within milliseconds of SIGTERM), then backing off.
const FIRST_PAUSE_MS = 2;
const MAX_PAUSE_MS = 16;
// How long before the deadline the whole table is read once more, so that what a member
// forked during the grace is known, and forced, with it: longer than a pause and than
// a scan of a busy machine (bench/tools/kill-timeline.ts), so it is done by the deadline.
const LEAD_SCAN_MS = 50;
// How many polls past the deadline a SIGKILLed member (in D state, say) is waited for.
const OVERDUE_POLLS = 50;
const QUICK_OVERDUE_POLLS = 10;
// How long after its SIGKILL a member still alive is sent another. A process can take tens of ms
// to exit on a busy machine (threads to stop, memory to free); a second SIGKILL sooner changes
// nothing. (Counted in polls, the wait stretched as polls backed off: it is a time.)
const REKILL_AFTER_MS = 100;

// Members are known by identity, not PID: a PID freed during the kill may come back as
// a new member (or a stranger), and must be judged as the new process it is.
const keyOf = (p: { readonly pid: number; readonly startTime: string }) => `${p.pid}:${p.startTime}`;

/** A member of the tree: how to signal it (re-verified by Signals each time), what it ran, what it was sent. */
interface Member {
  readonly identity: SignalTarget;
  readonly argv: string;
  readonly signals: string[];
}

/** What the steps of one kill share: the services, the job, and what is known so far. */
interface KillState {
  readonly table: ProcessTable["Service"];
  readonly signals: Signals["Service"];
  readonly bootId: string;
  readonly roots: ReadonlyArray<ProcessIdentity>;
  readonly rootKeys: ReadonlySet<string>;
  readonly marks: JobMarks;
  readonly onPhase: ((phase: string) => void) | undefined;
  readonly known: Map<string, Member>;
  readonly ended: Set<string>;
  readonly refused: Map<string, string>;
  /** Candidates for strays whose environment could not be read while they ran: by PID, their command. */
  readonly unreadable: Map<number, string>;
  /** Where the last look left the kernel's PID counter: the next look asks only what started since. */
  mark: Watermark | undefined;
  /** The snapshot given by the caller, used by the first look instead of taking another. */
  first: { readonly table: ReadonlyArray<ProcessInfo>; readonly watermark: Watermark | undefined } | undefined;
  /** When the grace ends: set by the SIGTERM. */
  deadline: number;
}

// A member found by the parent walk is the job's whatever its owner (a tool may switch user): its
// signals may go to another uid. A root is a record, a stray only claims the job: theirs must be ours.
const track = (state: KillState, p: ProcessInfo, byParent: boolean) => state.known.set(keyOf(p), {
  identity: { ...identityOf(p, state.bootId), ...(byParent && p.uid !== state.marks.uid && !state.rootKeys.has(keyOf(p)) ? { anyOwner: true } : {}) },
  argv: p.argv.join(" ").slice(0, 200),
  signals: [],
});

/** Is `p`, adopted and ours, the job's by its marker? One whose environment cannot be read is noted, not taken. */
const isStray = fn("killTree.isStray")(function* (state: KillState, p: ProcessInfo, parent: ProcessInfo | undefined) {
  const { table, marks } = state;
  if (!couldBeStray(p, parent, marks)) return false;
  const env = yield* table.environ(p.pid);
  if (env === undefined) {
    // gone meanwhile is no gap; still there, it could be the job's and nobody can tell
    let live: ProcessStatus | undefined;
    try { live = sameProcess(p, table.statusNow(p.pid)); } catch { live = p; }
    if (live && live.state !== "Z") state.unreadable.set(p.pid, p.argv.join(" ").slice(0, 80) || p.name);
    return false;
  }
  state.unreadable.delete(p.pid);
  return isStrayOfJob(p, env, parent, marks);
});

// After the first full read, a look asks the kernel which processes started since the last
// one (see ProcessTable.startedSince) and judges only those: a child of a member (by
// identity: a member's PID may already name another), or a stray that proves itself the
// job's. Nothing that existed before can join the tree but by being adopted, which only a
// subreaper does; the last look of all is a full read anyway.
const startedSince = fn("killTree.startedSince")(function* (state: KillState, since: Watermark) {
  const { table, known, marks } = state;
  const started = yield* table.startedSince(since);
  if (!started) return undefined;
  state.mark = started.now;
  const byPid = new Map<number, ProcessInfo | undefined>(started.processes.map((p) => [p.pid, p]));
  // every parent read before anything is judged: a read that fails leaves nothing half-known
  for (const p of started.processes) if (!byPid.has(p.ppid)) byPid.set(p.ppid, yield* table.read(p.ppid));
  const candidates = started.processes.filter((p) => couldBeStray(p, byPid.get(p.ppid), marks));
  if (table.prepare && candidates.length > 0) yield* table.prepare(candidates.map((p) => p.pid), "environ");
  const fresh: ProcessInfo[] = [];
  for (let grew = true; grew;) {
    grew = false;
    for (const p of started.processes) {
      if (p.state === "Z" || p.pid <= 1 || known.has(keyOf(p))) continue;
      const parent = byPid.get(p.ppid);
      const child = parent !== undefined && parent.pid > 1 && known.has(keyOf(parent)) && isChildOfMember(p, parent, marks.uid);
      if (!child && !(yield* isStray(state, p, parent))) continue;
      track(state, p, child);
      fresh.push(p);
      grew = true;
    }
  }
  return fresh;
});

/** A look at the process table; returns the members it finds that were not known yet. */
const scan = fn("killTree.scan")(function* (state: KillState, options?: { readonly full?: boolean }) {
  const { table, known, marks, roots } = state;
  if (!options?.full && !state.first && state.mark) {
    // a process that cannot be read now (a transient /proc error) is judged by a full read instead
    const fresh = yield* startedSince(state, state.mark).pipe(Effect.catchTag("ProcessTableError", () => Effect.succeed(undefined)));
    if (fresh) return fresh;
  }
  let snapshot: ReadonlyArray<ProcessInfo>;
  if (state.first) {
    snapshot = state.first.table;
    state.first = undefined;
  } else {
    state.mark = yield* table.watermark();
    snapshot = yield* table.snapshot();
  }
  const byPid = new Map(snapshot.map((p) => [p.pid, p]));
  const liveRoots = roots.flatMap((r) => {
    const p = sameProcess(r, byPid.get(r.pid));
    return p && p.state !== "Z" ? [p] : [];
  });
  const strays: ProcessInfo[] = [];
  const candidates = snapshot.filter((p) => !known.has(keyOf(p)) && !state.rootKeys.has(keyOf(p)) && couldBeStray(p, byPid.get(p.ppid), marks));
  // their environments in one read where each costs a spawn (ps e)
  if (table.prepare && candidates.length > 0) yield* table.prepare(candidates.map((p) => p.pid), "environ");
  for (const p of candidates) if (yield* isStray(state, p, byPid.get(p.ppid))) strays.push(p);
  const knownLive = [...known.values()].flatMap(({ identity }) => {
    const p = sameProcess(identity, byPid.get(identity.pid));
    return p ? [p] : [];
  });
  const fresh: ProcessInfo[] = [];
  const strayKeys = new Set(strays.map(keyOf));
  for (const p of collectJobTree(snapshot, [...liveRoots, ...knownLive], strays, marks.uid)) {
    if (p.state === "Z") continue;
    if (!known.has(keyOf(p))) {
      track(state, p, !strayKeys.has(keyOf(p)));
      fresh.push(p);
    }
  }
  return fresh;
});

/** One signal to several members (each re-verified by Signals just before its own); returns how many were sent. */
const sendAll = fn("killTree.sendAll")(function* (state: KillState, keys: ReadonlyArray<string>, signal: NodeJS.Signals) {
  const { known, refused } = state;
  const outcomes: ReadonlyArray<SignalOutcome> = yield* state.signals.sendAll(keys.map((key) => known.get(key)!.identity), signal);
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
const pending = (state: KillState, withRoots: boolean, withRefused = false) =>
  [...state.known.keys()].filter((key) => !state.ended.has(key) && (withRefused || !state.refused.has(key)) && (withRoots || !state.rootKeys.has(key)));

/**
 * Keys of members still alive, one cheap read each (in one pass: no Effect per member). With
 * `firstOnly`, it stops at the first one alive: all that waiting needs to know, and polling
 * 50 members every 2 ms would take CPU from the very processes it waits on to exit.
 */
const alive = (state: KillState, withRoots = true, firstOnly = false, withRefused = false) => Effect.sync(() => {
  const { table, known } = state;
  const out: string[] = [];
  const keys = pending(state, withRoots, withRefused);
  // where one read of many costs one of one (ps), all at once; a failed read leaves each to its own
  let read: ReadonlyMap<number, ProcessStatus> | undefined;
  if (table.statusAllNow && keys.length > 1) {
    try { read = table.statusAllNow(keys.map((key) => known.get(key)!.identity.pid)); } catch { read = undefined; }
  }
  for (const key of keys) {
    if (firstOnly && out.length > 0) break;
    const { identity } = known.get(key)!;
    // a read that fails (a transient /proc error) proves nothing: the member counts as alive until
    // one succeeds, and failing the kill here would leave the frozen tree frozen
    let live: ProcessStatus | undefined;
    try {
      live = sameProcess(identity, read ? read.get(identity.pid) : table.statusNow(identity.pid));
    } catch {
      out.push(key);
      continue;
    }
    if (live && live.state !== "Z") out.push(key);
    else state.ended.add(key);
  }
  return out;
});

/** 1. Freeze until the tree stops growing. */
const freeze = fn("killTree.freeze")(function* (state: KillState) {
  for (let round = 0; round < 20; round++) {
    const fresh = yield* scan(state);
    if (fresh.length === 0) break;
    yield* sendAll(state, fresh.map(keyOf), "SIGSTOP");
  }
  state.onPhase?.(`frozen: ${state.known.size} process(es)`);
});

/**
 * 2. Ask everything to stop; let all but the roots run their handlers. The grace runs from
 * the SIGTERM: continuing many frozen processes takes a busy machine a while, not theirs to spend.
 */
const terminate = fn("killTree.terminate")(function* (state: KillState, graceMs: number) {
  const { known, rootKeys, onPhase } = state;
  yield* sendAll(state, [...known.keys()], "SIGTERM");
  state.deadline = (yield* Clock.currentTimeMillis) + graceMs;
  onPhase?.(`SIGTERM sent: the grace of ${graceMs} ms runs from here`);
  yield* sendAll(state, [...known.keys()].filter((key) => !rootKeys.has(key)), "SIGCONT");
  onPhase?.("continued all but the roots");
});

/**
 * 3. Wait until the deadline, then force; catch whatever is forked meanwhile.
 * Gone only once a scan made after every member was seen gone finds nothing new: a member
 * that forked on its way out (a TERM handler) did so before it went, so that scan sees it.
 * Until then it is a cheap read per known member; the roots wait for that scan even past
 * the deadline, or a kill cut short could leave a late child running after them.
 */
const settle = fn("killTree.settle")(function* (state: KillState, withRoots: boolean) {
  const { deadline, known, onPhase } = state;
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
      const forced = yield* sendAll(state, pending(state, withRoots).filter((key) => again || !known.get(key)!.signals.includes("SIGKILL")), "SIGKILL");
      if (forced > 0) {
        forcedAt = now;
        onPhase?.(`past the deadline: SIGKILL sent to ${forced}`);
        pause = FIRST_PAUSE_MS;
        yield* Effect.sleep(pause);
        continue;
      }
    }
    const live = yield* alive(state, withRoots, true);
    if (live.length === 0) {
      // the very last look, once the roots too are gone, reads the whole table
      const late = yield* scan(state, { full: withRoots });
      if (late.length === 0) return;
      // past the deadline, a member found late gets no grace of its own
      yield* sendAll(state, late.map(keyOf), left > 0 ? "SIGTERM" : "SIGKILL");
      pause = FIRST_PAUSE_MS;
    } else if (left > 0 && left <= LEAD_SCAN_MS && !leadScanned) {
      leadScanned = true;
      yield* sendAll(state, (yield* scan(state)).map(keyOf), "SIGTERM");
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

/** 4. Once the rest is gone, let the roots go the same way. */
const releaseRoots = fn("killTree.releaseRoots")(function* (state: KillState) {
  const { roots, known, rootKeys, onPhase } = state;
  if (roots.some((r) => known.has(keyOf(r)))) {
    yield* settle(state, false);
    onPhase?.("all but the roots gone");
    // past the deadline, continuing the roots would only let them ignore SIGTERM again: SIGKILL ends a stopped process
    if ((yield* Clock.currentTimeMillis) < state.deadline) yield* sendAll(state, [...rootKeys].filter((key) => known.has(key)), "SIGCONT");
  }
  yield* settle(state, true);
});

/** 5. What was done: every member with its signals, and the survivors with why each is left. */
const report = fn("killTree.report")(function* (state: KillState, started: number) {
  const { known, refused, marks, onPhase } = state;
  // what was refused a signal and lives on is a survivor as much as what outlived its SIGKILL
  const left = yield* alive(state, true, false, true);
  onPhase?.(left.length === 0 ? "all gone, and a last look found nothing new" : `${left.length} survivor(s) left, and a last look found nothing new`);
  const survivorReason = (key: string) => {
    const why = refused.get(key);
    if (why) return `refused: ${why}${known.get(key)!.identity.uid === marks.uid ? "" : `; it runs as uid ${known.get(key)!.identity.uid}`}`;
    return known.get(key)!.signals.includes("SIGKILL") ? "still running after SIGKILL" : "still running";
  };
  const pidOf = (key: string) => known.get(key)!.identity.pid;
  // a process found a member after all (by its parent) was checked by that
  const memberPids = new Set([...known.values()].map((m) => m.identity.pid));
  return {
    members: [...known.values()].map((m) => ({ pid: m.identity.pid, argv: m.argv, signals: m.signals })),
    survivors: left.map(pidOf),
    survivorReasons: left.map((key) => ({ pid: pidOf(key), reason: survivorReason(key) })),
    refused: [...refused].map(([key, reason]) => ({ pid: pidOf(key), reason })),
    unchecked: [
      ...[...state.unreadable].filter(([pid]) => !memberPids.has(pid)).map(([pid, command]) => `the environment of pid ${pid} (${command}), which could be a stray of the job`),
      ...(state.table.gaps?.() ?? []),
    ],
    elapsedMs: (yield* Clock.currentTimeMillis) - started,
  } satisfies KillTreeReport;
});

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
 *
 * The steps, each a function above over one KillState: freeze → terminate → settle the tree
 * without its roots, then release the roots and settle again → report.
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
  const state: KillState = {
    table,
    signals,
    bootId,
    roots,
    rootKeys: new Set(roots.map(keyOf)),
    marks,
    onPhase,
    known: new Map(),
    ended: new Set(),
    refused: new Map(),
    unreadable: new Map(),
    mark: given?.watermark,
    first: given,
    deadline: Number.POSITIVE_INFINITY,
  };
  yield* freeze(state);
  yield* terminate(state, graceMs);
  yield* releaseRoots(state);
  return yield* report(state, started);
});
