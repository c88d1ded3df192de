/**
 * The Effect API: `CodexSupervisor`, the same operations as the CLI's commands, over the same
 * application layer (launch, lookup, history, verified kill), returning the `--json` shapes and
 * failing with the core's tagged errors. The Promise API (supervisor.ts) is built on it.
 */
import { resolve } from "node:path";
import * as Context from "effect/Context";
import * as Data from "effect/Data";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import * as Option from "effect/Option";
import * as Stream from "effect/Stream";
import { appLayer, loadSettings } from "../app/runtime.ts";
import type { KnownError } from "../app/text/messages.ts";
import { DURATION_RANGES, readDuration } from "../core/duration.ts";
import { UsageError } from "../core/errors.ts";
import { type HistoryEvent } from "../core/history/records.ts";
import { renderJsonLine } from "../core/history/render.ts";
import { FINAL_STATUSES, isFinal, type JobStatus } from "../core/job.ts";
import { findJob } from "../app/jobs/find.ts";
import { inspectJob } from "../app/jobs/inspect.ts";
import { killJob } from "../app/jobs/kill.ts";
import { listEverything } from "../app/jobs/list.ts";
import { refreshJob } from "../app/jobs/refresh.ts";
import { resumeJob } from "../app/jobs/resume.ts";
import { startJob } from "../app/jobs/start.ts";
import { awaitRollout, readable } from "../app/jobs/logs.ts";
import { detailJson, jobEntryJson, jobJson, killJson, untrackedJson } from "../app/text/views.ts";
import { Settings, type SettingsShape } from "../services/Settings.ts";
import { CodexHistory } from "../services/CodexHistory.ts";
import { JobStore } from "../services/JobStore.ts";
import type { JobEvent } from "../services/db/rows.ts";
import type {
  EventJson, EventsOptions, JobDetailJson, JobJson, KillJson, KillOptions, ListJson, ListOptions, LogEvent,
  LogsOptions, PythonChoice, ResumeOptions, StartOptions, SupervisorOptions, WaitOptions,
} from "./types.ts";

/** `waitFor` gave up: the job had not reached a status asked for within `timeoutMs`. */
export class WaitTimeout extends Data.TaggedError("WaitTimeout")<{
  readonly jobId: string;
  readonly status: JobStatus;
  readonly timeoutMs: number;
}> {}

export type SupervisorFailure = KnownError | WaitTimeout;

export interface CodexSupervisorShape {
  readonly start: (options: StartOptions) => Effect.Effect<JobJson, KnownError>;
  readonly list: (options?: ListOptions) => Effect.Effect<ListJson, KnownError>;
  readonly status: (job: string) => Effect.Effect<JobDetailJson, KnownError>;
  readonly logs: (job: string, options?: LogsOptions) => Effect.Effect<ReadonlyArray<LogEvent>, KnownError>;
  /** The job's history (its last `tail` events, default all), then each new event until the job ends (`logs --follow`). */
  readonly followLogs: (job: string, options?: LogsOptions) => Stream.Stream<LogEvent, KnownError>;
  readonly kill: (job: string, options?: KillOptions) => Effect.Effect<KillJson, KnownError>;
  readonly resume: (job: string, options?: ResumeOptions) => Effect.Effect<JobJson, KnownError>;
  /** The newest `limit` events (after `sinceId`: the next ones), oldest first; with `follow`, then every new one. */
  readonly events: (options?: EventsOptions & { readonly sinceId?: number }) => Stream.Stream<EventJson, KnownError>;
  readonly waitFor: (job: string, options?: WaitOptions) => Effect.Effect<JobDetailJson, KnownError | WaitTimeout>;
}

/** How often `waitFor` and a followed event list look again. */
const POLL_MS = 250;

const pythonRequest = (o: PythonChoice) => ({ venv: o.venv, python: o.python, noVenv: o.noVenv === true });

// The JSON lines the CLI prints, read back: the same shape by construction.
const logEventJson = (e: HistoryEvent): LogEvent => JSON.parse(renderJsonLine(e)) as LogEvent;
const eventJson = (e: JobEvent): EventJson => JSON.parse(JSON.stringify({ ...e, at: new Date(e.at).toISOString() })) as EventJson;

const graceMs = (grace: string | number | undefined) => {
  // milliseconds are checked against the same range as the CLI's --grace
  const read = readDuration(typeof grace === "number" ? `${grace}ms` : grace ?? "5s", DURATION_RANGES.grace);
  return "problem" in read ? Effect.fail(new UsageError({ message: `grace: ${read.problem}` })) : Effect.succeed(read.ms);
};

const make = Effect.gen(function* () {
  const services = yield* Effect.context<Layer.Success<ReturnType<typeof appLayer>>>();
  const settings = yield* Effect.service(SettingsTag);
  const run = <A, E>(program: Effect.Effect<A, E, Layer.Success<ReturnType<typeof appLayer>>>) =>
    program.pipe(Effect.provide(services), Effect.withTracerEnabled(false));

  const start = (o: StartOptions) => run(Effect.gen(function* () {
    const cwd = o.cwd === undefined ? settings.cwd : resolve(settings.cwd, o.cwd);
    // as `start --cwd DIR`: the config found from the job's directory applies (its codex args, python,
    // plugins) unless the supervisor was given one file; the database stays this supervisor's
    const own = cwd === settings.cwd || settings.options.config !== undefined
      ? settings
      : { ...(yield* supervisorSettings({ ...settings.options, cwd })), dbPath: settings.dbPath };
    const { job } = yield* startJob({ prompt: o.prompt, cwd, name: o.name, python: pythonRequest(o), extraArgs: o.args ?? [] }).pipe(
      Effect.provideService(Settings, Settings.of(own)),
    );
    return jobJson(job);
  }));

  const list = (o: ListOptions = {}) => run(listEverything({ all: o.all === true }).pipe(
    Effect.map((r): ListJson => ({ jobs: r.jobs.map(jobEntryJson), untracked: r.untracked.map(untrackedJson), unchecked: r.unchecked })),
  ));

  const status = (job: string) => run(Effect.gen(function* () {
    return detailJson(yield* inspectJob(yield* findJob(job)));
  }));

  const logs = (job: string, o: LogsOptions = {}) => run(Effect.gen(function* () {
    const history = yield* CodexHistory;
    const { path } = yield* awaitRollout(yield* findJob(job), false);
    if (o.tail === undefined) {
      const all = yield* Stream.runCollect(history.readAll(path));
      return Array.from(all).filter(readable).map(logEventJson);
    }
    const read = yield* history.tail(path, o.tail, { keep: readable });
    return read.events.filter(readable).map(logEventJson);
  }));

  const followLogs = (job: string, o: LogsOptions = {}) => Stream.unwrap(run(Effect.gen(function* () {
    const history = yield* CodexHistory;
    const { job: found, path } = yield* awaitRollout(yield* findJob(job), true);
    const read = yield* history.tail(path, o.tail ?? Number.MAX_SAFE_INTEGER, { keep: readable });
    let latest = found;
    const isDone = Effect.suspend(() => run(refreshJob(latest))).pipe(
      Effect.map((r) => { latest = r.job; return isFinal(latest.status); }),
      Effect.orElseSucceed(() => false),
    );
    const later = history.follow(path, read.endOffset, { isDone }).pipe(
      Stream.filter((f) => readable(f.event)),
      Stream.map((f) => logEventJson(f.event)),
    );
    return Stream.concat(Stream.fromIterable(read.events.filter(readable).map(logEventJson)), later);
  })));

  const kill = (job: string, o: KillOptions = {}) => run(Effect.gen(function* () {
    const ms = yield* graceMs(o.grace);
    return killJson(yield* killJob(yield* findJob(job), ms, { reason: "kill (API)" }));
  }));

  const resume = (job: string, o: ResumeOptions = {}) => run(Effect.gen(function* () {
    const first = yield* findJob(job);
    const { job: next } = yield* resumeJob({ job: first, prompt: o.prompt, name: o.name, python: pythonRequest(o), extraArgs: o.args ?? [] });
    return jobJson(next);
  }));

  const events = (o: EventsOptions & { readonly sinceId?: number } = {}) => Stream.unwrap(run(Effect.gen(function* () {
    const store = yield* JobStore;
    const jobId = o.job === undefined ? undefined : (yield* findJob(o.job)).id;
    const page = (sinceId: number | undefined, limit: number) =>
      run(store.listEvents({ jobId, sinceId, limit })).pipe(Effect.map((list) => list.map(eventJson)));
    const first = yield* page(o.sinceId, o.limit ?? 100);
    if (!o.follow) return Stream.fromIterable(first);
    const next = (sinceId: number | undefined) => Effect.sleep(POLL_MS).pipe(
      Effect.andThen(page(sinceId, 1000)),
      Effect.map((list) => [list, Option.some(list.at(-1)?.id ?? sinceId)] as const),
    );
    return Stream.concat(Stream.fromIterable(first), Stream.paginate(first.at(-1)?.id ?? o.sinceId ?? 0, next));
  })));

  const waitFor = (job: string, o: WaitOptions = {}) => run(Effect.gen(function* () {
    const wanted: ReadonlyArray<JobStatus> = o.status === undefined ? FINAL_STATUSES : typeof o.status === "string" ? [o.status] : o.status;
    const deadline = o.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + o.timeoutMs;
    let current = yield* findJob(job);
    for (;;) {
      current = (yield* refreshJob(current)).job;
      if (wanted.includes(current.status)) return detailJson(yield* inspectJob(current));
      if (Date.now() >= deadline) {
        return yield* new WaitTimeout({ jobId: current.id, status: current.status, timeoutMs: o.timeoutMs ?? 0 });
      }
      yield* Effect.sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
    }
  }));

  return CodexSupervisor.of({ start, list, status, logs, followLogs, kill, resume, events, waitFor });
});

/** The settings the supervisor was made with, plus the directory jobs run in by default. */
class SettingsTag extends Context.Service<SettingsTag, SupervisorSettings>()("codex-supervisor/api/Settings") {}

type SupervisorSettings = SettingsShape & { readonly cwd: string; readonly options: SupervisorOptions };

/** The settings for the supervisor's directory (or its config file), with the options' overrides. */
export const supervisorSettings = (options: SupervisorOptions) => {
  const cwd = resolve(options.cwd ?? process.cwd());
  return loadSettings({ cwd, configFile: options.config }).pipe(Effect.map((s): SupervisorSettings => ({
    ...s,
    cwd,
    options,
    ...(options.database === undefined ? {} : { dbPath: options.database }),
    ...(options.codexHome === undefined ? {} : { codexHome: options.codexHome }),
  })));
};

export class CodexSupervisor extends Context.Service<CodexSupervisor, CodexSupervisorShape>()("codex-supervisor/CodexSupervisor") {
  /**
   * The supervisor for a directory: its config is read once, its database opened once and closed
   * with the layer. Jobs are handed to init at once (as the MCP server's are), so a job never
   * depends on the app that started it, and the app exits whenever it likes.
   */
  static readonly layer = (options: SupervisorOptions = {}) => Layer.unwrap(Effect.gen(function* () {
    const settings = yield* supervisorSettings(options);
    return Layer.effect(CodexSupervisor, make).pipe(
      Layer.provide(Layer.merge(appLayer(settings, { reparentJobs: true }), Layer.succeed(SettingsTag, SettingsTag.of(settings)))),
    );
  }));
}
