import * as Clock from "effect/Clock";
import * as Effect from "effect/Effect";
import type { Config } from "../config/schema.ts";
import { JOB_MARKER, type Job } from "../core/job.ts";
import { type LaunchSpec, markerArgs } from "../core/launch.ts";
import type { Subject } from "../core/subject.ts";
import { callHook, type LogScope } from "./call.ts";
import { PluginError, pluginErrorText, UnknownAction, unknownActionText } from "./errors.ts";
import { type LoadedPlugin, type LoadedPlugins, parseWith } from "./load.ts";
import type { ActionContext, ActionResult, HookContext } from "./types.ts";
import { fn } from "../core/fn.ts";

/** What the caller supplies to an action; the host adds the plugin's options and logger. */
export type ActionRequest = Omit<ActionContext, keyof HookContext>;

export interface ActionOutcome {
  /** Always there: on a failure or an unknown action, not done with the reason as its message. */
  readonly result: ActionResult;
  readonly errors: ReadonlyArray<PluginError>;
  /** Set when no loaded plugin defines the action. */
  readonly missing?: UnknownAction;
  /** It cannot succeed on a retry: no plugin defines it, or its options do not pass the action's schema. */
  readonly permanent?: boolean;
}

const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === "string");
const isStringRecord = (value: unknown): value is Record<string, string> =>
  typeof value === "object" && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === "string");

const containsRun = (args: ReadonlyArray<string>, run: ReadonlyArray<string>) =>
  args.some((_, i) => run.every((part, j) => args[i + j] === part));

// A hook may change env and args only, and must keep the job's marker: without it the job's
// processes could not be proven ours, so the supervisor could neither find nor kill them.
const nextSpec = (current: LaunchSpec, value: unknown): LaunchSpec | string => {
  if (value === undefined) return current;
  if (typeof value !== "object" || value === null) return "returned something that is not a launch spec";
  const args: unknown = Reflect.get(value, "args");
  const env: unknown = Reflect.get(value, "env");
  if (!isStringArray(args)) return "returned args that are not an array of strings";
  if (!isStringRecord(env)) return "returned an env whose values are not all strings";
  if (env[JOB_MARKER] !== current.jobId || !containsRun(args, markerArgs(current.jobId))) return `removed the job marker (${JOB_MARKER})`;
  return { ...current, args, env };
};

/** beforeLaunch, in plugin order, each seeing the previous result; a failing plugin's change is skipped and reported. */
export const runBeforeLaunch = fn("hooks.beforeLaunch")(function* (plugins: LoadedPlugins, spec: LaunchSpec, config: Config) {
  const errors: PluginError[] = [];
  let current = spec;
  for (const entry of plugins.plugins) {
    const hook = entry.plugin.beforeLaunch;
    if (!hook) continue;
    const input = current;
    const outcome = yield* callHook<unknown>(entry, "beforeLaunch", plugins.timeoutMs, { jobId: spec.jobId }, (base) => hook(input, { ...base, config }));
    if (outcome._tag === "Failure") { errors.push(outcome.failure); continue; }
    const next = nextSpec(current, outcome.success);
    if (typeof next === "string") errors.push(new PluginError({ plugin: entry.plugin.name, hook: "beforeLaunch", cause: new Error(next) }));
    else current = next;
  }
  return { spec: current, errors };
});

/** Every action name the loaded plugins define, in plugin order. */
export const actionNames = (plugins: LoadedPlugins): string[] => plugins.plugins.flatMap((p) => Object.keys(p.plugin.actions ?? {}));

const actionResult = (value: unknown): ActionResult | undefined => {
  if (value === undefined) return { done: true };
  if (typeof value !== "object" || value === null || typeof Reflect.get(value, "done") !== "boolean") return undefined;
  const message: unknown = Reflect.get(value, "message");
  return { done: Reflect.get(value, "done") === true, ...(typeof message === "string" ? { message } : {}) };
};

/** Runs the named action of the one plugin that defines it (names are unique once loaded). */
export interface ActionBudget {
  /**
   * How long a kill the action asks for may take, from when it asks (its grace and what verifying the
   * tree's end needs): the action's deadline moves to at least that, so a kill longer than the plugin
   * timeout is waited for, not abandoned while it still runs.
   */
  readonly killMs?: ((graceMs: number | undefined) => number) | undefined;
}

export const runAction = fn("hooks.action")(function* (plugins: LoadedPlugins, action: string, request: ActionRequest, budget: ActionBudget = {}) {
  const entry = plugins.plugins.find((p) => p.plugin.actions !== undefined && Object.hasOwn(p.plugin.actions, action));
  const handler = entry?.plugin.actions?.[action];
  if (!entry || !handler) {
    const missing = new UnknownAction({ action, available: actionNames(plugins) });
    return { result: { done: false, message: unknownActionText(missing) }, errors: [], missing, permanent: true } satisfies ActionOutcome;
  }
  const schema = entry.plugin.actionOptions?.[action];
  const parsed = schema ? parseWith(schema, "", request.actionOptions, `action "${action}"`) : { options: request.actionOptions, issues: [] };
  if (!parsed.options) {
    const message = `action "${action}" not attempted: ${parsed.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ")}`;
    return { result: { done: false, message }, errors: [], permanent: true } satisfies ActionOutcome;
  }
  const actionOptions = parsed.options;
  const scope: LogScope = { jobId: request.subject.job?.id, pid: request.subject.pid, policy: request.policy.name };
  const hook = `actions.${action}`;
  const failed = (e: PluginError): ActionOutcome => ({ result: { done: false, message: pluginErrorText(e) }, errors: [e] });
  const outcome = yield* callHook<unknown>(entry, hook, plugins.timeoutMs, scope, (base, extend) => handler({
    ...request,
    actionOptions,
    ...base,
    kill: (options) => {
      if (budget.killMs) extend(budget.killMs(options?.graceMs));
      return request.kill(options);
    },
  }));
  if (outcome._tag === "Failure") return failed(outcome.failure);
  const result = actionResult(outcome.success);
  if (!result) return failed(new PluginError({ plugin: entry.plugin.name, hook, cause: new Error("returned something other than { done: boolean, message?: string }") }));
  return { result, errors: [] } satisfies ActionOutcome;
});

// The parallel hooks: each plugin's call runs in its own fiber, so one hung plugin costs
// the caller at most the timeout, never one timeout per plugin.
const runParallel = (
  plugins: LoadedPlugins,
  hook: "onTick" | "onJobEnd" | "onReport",
  scope: LogScope,
  call: (entry: LoadedPlugin, base: HookContext) => unknown,
): Effect.Effect<PluginError[]> =>
  Effect.forEach(
    plugins.plugins.filter((entry) => entry.plugin[hook] !== undefined),
    (entry) => callHook(entry, hook, plugins.timeoutMs, scope, (base) => call(entry, base)),
    { concurrency: "unbounded" },
  ).pipe(
    Effect.map((outcomes) => outcomes.flatMap((o) => (o._tag === "Failure" ? [o.failure] : []))),
    Effect.withSpan(`hooks.${hook}`),
  );

/** onTick of every plugin, in parallel; what failed or timed out. */
export const runOnTick = (plugins: LoadedPlugins, tick: { readonly at: number; readonly subjects: ReadonlyArray<Subject> }) =>
  runParallel(plugins, "onTick", {}, (entry, base) => entry.plugin.onTick?.({ ...base, ...tick }));

/** onJobEnd of every plugin, in parallel; what failed or timed out. */
export const runOnJobEnd = (plugins: LoadedPlugins, end: { readonly job: Job }) =>
  runParallel(plugins, "onJobEnd", { jobId: end.job.id }, (entry, base) => entry.plugin.onJobEnd?.({ ...base, ...end }));

/** Sends the watchdog's scheduled summary to every plugin's onReport (notify's channels), in parallel. */
export const sendReport = (plugins: LoadedPlugins, text: string) =>
  Effect.flatMap(Clock.currentTimeMillis, (at) =>
    runParallel(plugins, "onReport", {}, (entry, base) => entry.plugin.onReport?.({ ...base, at, text })));
