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
import type { LoadedPlugins } from "../hooks/host.ts";
import { pluginsForConfig } from "../hooks/forConfig.ts";
import { JobStore } from "../services/JobStore.ts";
import { makeAlarm } from "./alarm.ts";
import type { FiringCrew } from "./fire.ts";
import { makeJournal } from "./journal.ts";
import { makeWatchMetrics } from "./metrics/index.ts";
import { type LoggedEvent, makeEventLog } from "./eventLog.ts";
import { makeTurn } from "./turn.ts";
import { configBook } from "./configs.ts";
import { FULL_TICK_AT_LEAST_EVERY_MS, quietTick } from "./quiet.ts";
import { scheduleBook } from "./schedules.ts";
import { endBook } from "./ended.ts";
import { summaryCache } from "./subjects.ts";
import { tick, type WatchState } from "./tick.ts";

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
    const fallbackCwd = options.cwd ?? homedir();
    const memory = emptyMemory();
    const metrics = yield* makeWatchMetrics(say, { exports: options.maxTicks === undefined });
    const crew: FiringCrew = { journal: makeJournal(say, log.kept), inflight: new Map(), counts: metrics };
    // adopt what an earlier watchdog already did: a policy fired once stays fired across restarts (and takeovers)
    const adopt = Effect.gen(function* () {
      for (const e of yield* store.listEvents({ limit: 20_000 })) {
        const subject = (e.data as { subject?: unknown } | null)?.subject;
        if (e.kind === "fired" && e.policy && typeof subject === "string") memory.fired.set(`${subject}|${e.policy}`, e.at);
      }
    }).pipe(Effect.ignore);
    const plugins = new WeakMap<LoadedConfig, LoadedPlugins | undefined>();
    const reportedPluginErrors = new Set<string>();
    const pluginsFor = (config: LoadedConfig) => Effect.gen(function* () {
      if (plugins.has(config)) return plugins.get(config);
      const loaded = yield* pluginsForConfig(config).pipe(
        Effect.catchTag("ConfigError", (e) => Effect.gen(function* () {
          const text = `plugins in ${e.file}: ${e.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`;
          if (!reportedPluginErrors.has(text)) {
            reportedPluginErrors.add(text);
            yield* store.appendEvent({ kind: "config-error", message: text });
          }
          return undefined;
        })),
      );
      plugins.set(config, loaded);
      return loaded;
    }).pipe(Effect.orElseSucceed(() => undefined));
    // A config whose plugins do not load is a bad config like any other: the last good one (and its plugins) stays.
    const accept = (config: LoadedConfig) =>
      pluginsForConfig(config).pipe(
        Effect.map((loaded) => { plugins.set(config, loaded); return undefined; }),
        Effect.catchTag("ConfigError", (e) => Effect.succeed(e)),
      );
    const book = configBook({ explicitFile: options.explicitFile, fallbackCwd, accept });
    const state: WatchState = { book, memory, summaries: summaryCache(), pluginsFor, crew, settled: undefined, ends: endBook() };
    const schedules = scheduleBook(Context.add(yield* Effect.context<JobStore>(), JobStore, store), pluginsFor);

    const alarm = makeAlarm();
    let woken = false;
    let ticks = 0;
    let fullTicks = 0;
    let fallback: LoadedConfig | undefined;
    let releasedAt: number | undefined;
    const done = Deferred.makeUnsafe<void>();
    const turn = makeTurn(store, say, adopt, options.maxTicks === undefined);
    let refusedBy: { readonly pid: number | undefined } | undefined;
    /** A quiet tick when one will do; else why not. */
    const quiet = Effect.gen(function* () {
      if (woken) return "woken";
      if (!state.settled) return ticks === 0 ? "first look" : "not settled";
      const next = yield* quietTick({ settled: state.settled, memory, summaries: state.summaries, configsUnchanged: book.unchanged }).pipe(
        Effect.catchCause((cause) => Effect.succeed(`quiet look failed: ${Cause.pretty(cause).split("\n")[0]}`)),
      );
      state.settled = typeof next === "string" ? undefined : next;
      return next;
    });
    const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
    const loop = Effect.gen(function* () {
      for (let n = 0; options.maxTicks === undefined || n < options.maxTicks; n++) {
        const started = yield* Clock.currentTimeMillis;
        const t0 = performance.now();
        const cpu0 = options.onTick ? cpuMs() : 0;
        if (yield* turn.reopenIfReplaced) state.settled = undefined;
        const standby = yield* turn.ours;
        if (standby !== undefined) {
          schedules.stop();
          if (options.maxTicks !== undefined) { refusedBy = standby; break; }
          n--;
          fallback ??= (yield* state.book.forDirs([])).fallback;
          yield* alarm.sleep(fallback?.config.watchdog.interval ?? 5000);
          continue;
        }
        yield* crew.journal.recover;
        const look = yield* quiet;
        let subjects = typeof look === "string" ? 0 : look.subjects.length;
        let judged: (() => ReadonlyArray<Subject>) | undefined = typeof look === "string" ? undefined : () => look.subjects.map((s) => s.subject);
        if (typeof look === "string") {
          woken = false;
          // while the database fails, nothing in the tick waits on its lock
          const result = yield* (crew.journal.failing() ? store.withoutWaiting(tick(state)) : tick(state)).pipe(Effect.exit);
          if (result._tag === "Failure") {
            state.settled = undefined;
            yield* crew.journal.append({ kind: "tick-error", message: `tick failed (the loop goes on): ${Cause.pretty(result.cause).slice(0, 2000)}` });
          }
          fullTicks++;
          if (result._tag === "Success") { subjects = result.value.subjects; judged = () => result.value.judged; log.tickOk(); }
          fallback = result._tag === "Success" ? result.value.fallback : (yield* state.book.forDirs([])).fallback;
          if (fallback) schedules.sync(fallback);
        }
        yield* metrics.afterTick({ at: started, durationMs: performance.now() - t0, full: typeof look === "string", subjects: judged, config: fallback?.config.metrics });
        const lastTick = options.maxTicks !== undefined && n + 1 >= options.maxTicks;
        const releaseDue = releasedAt === undefined || started - releasedAt >= FULL_TICK_AT_LEAST_EVERY_MS;
        let releasedKb: number | undefined;
        if (options.releaseMemory && typeof look === "string" && !lastTick && releaseDue) {
          releasedAt = started;
          releasedKb = options.releaseMemory();
        }
        ticks++;
        options.onTick?.({ n: ticks, kind: typeof look === "string" ? "full" : "quiet", reason: typeof look === "string" ? look : undefined, subjects, cpuMs: cpuMs() - cpu0, releasedKb });
        if (lastTick) break;
        const interval = fallback?.config.watchdog.interval ?? 5000;
        const elapsed = (yield* Clock.currentTimeMillis) - started;
        yield* alarm.sleep(Math.max(0, interval - elapsed));
      }
      Deferred.doneUnsafe(done, Effect.void);
    });
    yield* Effect.addFinalizer(() => Effect.sync(() => { schedules.stop(); turn.release(); metrics.stop(); }));
    yield* Effect.forkScoped(loop.pipe(Effect.provideService(JobStore, store)));
    return Watchdog.of({
      // woken (SIGHUP): look afresh, not quietly
      wake: () => { woken = true; alarm.wake(); },
      done: Deferred.await(done),
      ticks: () => ticks,
      fullTicks: () => fullTicks,
      refusedBy: () => refusedBy,
    });
  }));
}
