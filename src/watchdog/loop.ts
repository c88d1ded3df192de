import { homedir } from "node:os";
import * as Cause from "effect/Cause";
import * as Clock from "effect/Clock";
import * as Context from "effect/Context";
import * as Deferred from "effect/Deferred";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import type { LoadedConfig } from "../config/load.ts";
import { emptyMemory } from "../core/policy.ts";
import type { Subject } from "../core/subject.ts";
import { JobStore, type JobStoreService } from "../services/JobStore.ts";
import { ProcessTable } from "../services/ProcessTable.ts";
import { type Alarm, makeAlarm } from "./alarm.ts";
import type { FiringCrew } from "./fire.ts";
import { makeJournal } from "./journal.ts";
import { type LoggedEvent, makeEventLog } from "./eventLog.ts";
import { endBook } from "./ended.ts";
import { makeWatchMetrics } from "./metrics/index.ts";
import { makeTurn } from "./turn.ts";
import { pluginBook } from "./plugins.ts";
import { configBook } from "./configs.ts";
import { FULL_TICK_AT_LEAST_EVERY_MS, quietTick } from "./quiet.ts";
import { scheduleBook } from "./schedules.ts";
import { summaryCache } from "./subjects.ts";
import { tick, type WatchState } from "./tick.ts";

// The loop, one turn per interval: stand by while another watchdog holds the lease; else a quiet
// look when one will do (see quiet.ts), a full tick (tick.ts) when not; let go of memory when due;
// tell the trace; sleep until the next. Each step below is a function over one Loop.

export interface WatchdogOptions {
  readonly explicitFile?: string | undefined;
  /** Whose config sets the interval and judges programs of unknown cwd (default: home). */
  readonly cwd?: string | undefined;
  /** Stop after this many ticks (for `watch --once` and tests). */
  readonly maxTicks?: number | undefined;
  /** Told of every tick as it ends (`watch --trace`). */
  readonly onTick?: ((tick: TickTrace) => void) | undefined;
  /**
   * Lets go of memory start-up and full ticks used that quiet ticks do not need; returns kB.
   * Called after the first full tick and then with a full tick at most every 10 minutes.
   */
  readonly releaseMemory?: (() => number) | undefined;
  /**
   * Told what whoever runs the watchdog must know (stderr): its database failing or replaced,
   * another watchdog acting on the same database. Once per change, never once per tick.
   */
  readonly say?: ((line: string) => void) | undefined;
  /** Told of every event the watchdog records, once, as it records it (`watch`'s log on stdout). */
  readonly onEvent?: ((event: LoggedEvent) => void) | undefined;
}

export interface TickTrace {
  readonly n: number;
  /** A full look, and why; or a quiet one (nothing changed but counters and time). */
  readonly kind: "full" | "quiet";
  readonly reason: string | undefined;
  readonly subjects: number;
  /** CPU this process used for the tick, ms (all threads). */
  readonly cpuMs: number;
  /** kB of memory this tick let go of (see WatchdogOptions.releaseMemory), when it did. */
  readonly releasedKb?: number | undefined;
}

/** What the loop carries from one turn to the next. */
interface LoopState {
  /** Woken (SIGHUP): the next look is a full one. */
  woken: boolean;
  ticks: number;
  fullTicks: number;
  /** The config of the watchdog's own folder, as the last full tick (or stand-by) read it: the interval, the schedules. */
  fallback: LoadedConfig | undefined;
  /** When memory was last let go of (see WatchdogOptions.releaseMemory). */
  releasedAt: number | undefined;
  /** With maxTicks: the watchdog that acts on the database instead of this one. */
  refusedBy: { readonly pid: number | undefined } | undefined;
  /** What the process table could not read that was already told (each once). */
  readonly gapsTold: Set<string>;
}

/** Everything the loop's steps use: the options, the services and books made once, and the mutable state. */
interface Loop {
  readonly options: WatchdogOptions;
  readonly store: JobStoreService;
  readonly crew: FiringCrew;
  readonly watch: WatchState;
  readonly schedules: ReturnType<typeof scheduleBook>;
  readonly turn: ReturnType<typeof makeTurn>;
  readonly alarm: Alarm;
  readonly metrics: Effect.Success<ReturnType<typeof makeWatchMetrics>>;
  readonly log: ReturnType<typeof makeEventLog>;
  readonly state: LoopState;
}

const DEFAULT_INTERVAL_MS = 5000;

const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

/** Another watchdog acts on the database: stop the schedules, and wait one interval (or, with maxTicks, stop). */
const standBy = (loop: Loop, standby: { readonly pid: number | undefined }) => Effect.gen(function* () {
  const { state } = loop;
  loop.schedules.stop();
  if (loop.options.maxTicks !== undefined) { state.refusedBy = standby; return "stop" as const; }
  state.fallback ??= (yield* loop.watch.book.forDirs([])).fallback;
  yield* loop.alarm.sleep(state.fallback?.config.watchdog.interval ?? DEFAULT_INTERVAL_MS);
  return "again" as const;
});

/** A quiet tick when one will do; else why not. */
const quietLook = (loop: Loop) => Effect.gen(function* () {
  const { watch, state } = loop;
  if (state.woken) return "woken";
  if (!watch.settled) return state.ticks === 0 ? "first look" : "not settled";
  const next = yield* quietTick({ settled: watch.settled, memory: watch.memory, summaries: watch.summaries, configsUnchanged: watch.book.unchanged }).pipe(
    Effect.catchCause((cause) => Effect.succeed(`quiet look failed: ${Cause.pretty(cause).split("\n")[0]}`)),
  );
  watch.settled = typeof next === "string" ? undefined : next;
  return next;
});

/** A full tick; a failing one is recorded and the loop goes on. Returns how many subjects it judged, and which. */
const fullLook = (loop: Loop) => Effect.gen(function* () {
  const { store, crew, watch, state } = loop;
  state.woken = false;
  // while the database fails, nothing in the tick waits on its lock
  const result = yield* (crew.journal.failing() ? store.withoutWaiting(tick(watch)) : tick(watch)).pipe(Effect.exit);
  if (result._tag === "Failure") {
    watch.settled = undefined;
    yield* crew.journal.append({ kind: "tick-error", message: `tick failed (the loop goes on): ${Cause.pretty(result.cause).slice(0, 2000)}` });
  }
  state.fullTicks++;
  state.fallback = result._tag === "Success" ? result.value.fallback : (yield* watch.book.forDirs([])).fallback;
  if (state.fallback) loop.schedules.sync(state.fallback);
  if (result._tag === "Failure") return { subjects: 0, judged: undefined };
  loop.log.tickOk();
  return { subjects: result.value.subjects, judged: (): ReadonlyArray<Subject> => result.value.judged };
});

/**
 * What the process table could not read (lsof missing or failing, `ps` without environments: the
 * portable backend), each told once, as an `unchecked` event and on stderr: the ticks go on, judging
 * without it, and whoever reads the events knows which verdicts rest on less than they seem.
 */
const reportGaps = (loop: Loop) => Effect.gen(function* () {
  const table = yield* ProcessTable;
  for (const gap of table.gaps?.() ?? []) {
    if (loop.state.gapsTold.has(gap)) continue;
    loop.state.gapsTold.add(gap);
    const message = `could not check ${gap}: policies are judged without it (a job's thread and idle time, ` +
      "an untracked Codex's folder and its project's policies, strays by their marker may be missing)";
    loop.options.say?.(message);
    yield* loop.crew.journal.append({ kind: "unchecked", message });
  }
});

/** After a full tick, at most every FULL_TICK_AT_LEAST_EVERY_MS (and not on the last): let go of memory; the kB, when it did. */
const releaseMemoryIfDue = (loop: Loop, started: number, full: boolean, lastTick: boolean): number | undefined => {
  const { options, state } = loop;
  const releaseDue = state.releasedAt === undefined || started - state.releasedAt >= FULL_TICK_AT_LEAST_EVERY_MS;
  if (!options.releaseMemory || !full || lastTick || !releaseDue) return undefined;
  state.releasedAt = started;
  return options.releaseMemory();
};

const run = (loop: Loop, done: Deferred.Deferred<void>) => Effect.gen(function* () {
  const { options, state } = loop;
  for (let n = 0; options.maxTicks === undefined || n < options.maxTicks; n++) {
    const started = yield* Clock.currentTimeMillis;
    const t0 = performance.now();
    const cpu0 = options.onTick ? cpuMs() : 0;
    if (yield* loop.turn.reopenIfReplaced) loop.watch.settled = undefined;
    const standby = yield* loop.turn.ours;
    if (standby !== undefined) {
      if ((yield* standBy(loop, standby)) === "stop") break;
      n--;
      continue;
    }
    yield* loop.crew.journal.recover;
    const look = yield* quietLook(loop);
    const full = typeof look === "string";
    const { subjects, judged } = full ? yield* fullLook(loop) : { subjects: look.subjects.length, judged: () => look.subjects.map((s) => s.subject) };
    yield* reportGaps(loop);
    yield* loop.metrics.afterTick({ at: started, durationMs: performance.now() - t0, full, subjects: judged, config: state.fallback?.config.metrics });
    const lastTick = options.maxTicks !== undefined && n + 1 >= options.maxTicks;
    const releasedKb = releaseMemoryIfDue(loop, started, full, lastTick);
    state.ticks++;
    options.onTick?.({ n: state.ticks, kind: full ? "full" : "quiet", reason: full ? look : undefined, subjects, cpuMs: cpuMs() - cpu0, releasedKb });
    if (lastTick) break;
    const interval = state.fallback?.config.watchdog.interval ?? DEFAULT_INTERVAL_MS;
    const elapsed = (yield* Clock.currentTimeMillis) - started;
    yield* loop.alarm.sleep(Math.max(0, interval - elapsed));
  }
  Deferred.doneUnsafe(done, Effect.void);
});

/** Adopt what an earlier watchdog already did: a policy fired once stays fired across restarts (and takeovers). */
const adoptFirings = (store: JobStoreService, memory: WatchState["memory"]) => Effect.gen(function* () {
  for (const e of yield* store.listEvents({ limit: 20_000 })) {
    const subject = (e.data as { subject?: unknown } | null)?.subject;
    if (e.kind === "fired" && e.policy && typeof subject === "string") memory.fired.set(`${subject}|${e.policy}`, e.at);
  }
}).pipe(Effect.ignore);

/** The running watchdog: wake it early (SIGHUP), and wait until it stops by itself (maxTicks). */
export class Watchdog extends Context.Service<Watchdog, {
  readonly wake: () => void;
  readonly done: Effect.Effect<void>;
  /** Ticks completed so far. */
  readonly ticks: () => number;
  /** Of those, the full ones (the rest were quiet: nothing had changed but counters and time). */
  readonly fullTicks: () => number;
  /** With maxTicks: set when it did nothing because another watchdog acts on the database (its pid, if known). */
  readonly refusedBy: () => { readonly pid: number | undefined } | undefined;
}>()("codex-supervisor/Watchdog") {
  /** Forks the loop into the layer's scope: closing the scope stops it; it never touches the jobs. */
  static readonly layer = (options: WatchdogOptions) => Layer.effect(Watchdog, Effect.gen(function* () {
    const say = options.say ?? (() => {});
    const log = makeEventLog(options.onEvent, say);
    // everything the loop does writes its events through this store, so each reaches the log
    const store = log.store(yield* JobStore);
    const memory = emptyMemory();
    const metrics = yield* makeWatchMetrics(say, { exports: options.maxTicks === undefined });
    const crew: FiringCrew = { journal: makeJournal(say, log.kept), inflight: new Map(), counts: metrics };
    const { pluginsFor, accept } = pluginBook(store);
    const book = configBook({ explicitFile: options.explicitFile, fallbackCwd: options.cwd ?? homedir(), accept });
    const watch: WatchState = { book, memory, summaries: summaryCache(), pluginsFor, crew, settled: undefined, ends: endBook() };
    const loop: Loop = {
      options,
      store,
      crew,
      watch,
      schedules: scheduleBook(Context.add(yield* Effect.context<JobStore>(), JobStore, store), pluginsFor),
      turn: makeTurn(store, say, adoptFirings(store, memory), options.maxTicks === undefined),
      alarm: makeAlarm(),
      metrics,
      log,
      state: { woken: false, ticks: 0, fullTicks: 0, fallback: undefined, releasedAt: undefined, refusedBy: undefined, gapsTold: new Set() },
    };
    const done = Deferred.makeUnsafe<void>();
    yield* Effect.addFinalizer(() => Effect.sync(() => { loop.schedules.stop(); loop.turn.release(); metrics.stop(); }));
    yield* Effect.forkScoped(run(loop, done).pipe(Effect.provideService(JobStore, store)));
    const { state } = loop;
    return Watchdog.of({
      // woken (SIGHUP): look afresh, not quietly
      wake: () => { state.woken = true; loop.alarm.wake(); },
      done: Deferred.await(done),
      ticks: () => state.ticks,
      fullTicks: () => state.fullTicks,
      refusedBy: () => state.refusedBy,
    });
  }));
}
