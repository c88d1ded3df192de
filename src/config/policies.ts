import { z } from "zod";
import { DURATION_RANGES } from "../core/duration.ts";
import type { Policy } from "../core/policy.ts";
import { duration, durationWithin, size } from "./fields.ts";

/** The states a job ends in, as `when.ended` names them. */
export const END_STATES = ["completed", "aborted", "failed", "exited", "killed"] as const;

/** An action a policy runs: its name, or `[name, options]`. */
export const actionRef = z.union([z.string().min(1), z.tuple([z.string().min(1), z.record(z.string(), z.unknown())])]);

export const policySchema = z.strictObject({
  /** Shown in events and notifications; a project policy replaces a global one of the same name. */
  name: z.string().min(1),
  /** Which processes the policy judges. */
  match: z.strictObject({
    /** true: the supervisor's jobs (default); false: Codex it did not start; "either": both. */
    tracked: z.union([z.boolean(), z.literal("either")]).default(true),
    /** A glob the job's directory must match, e.g. "/home/me/work/**". */
    cwd: z.string().min(1).optional(),
    /** A glob the job's name must match. */
    name: z.string().min(1).optional(),
    /** Codex kinds: "exec", "exec-resume", "app-server", "mcp-server", "tui", … */
    kind: z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
  }).prefault({}),
  /** Conditions, all of which must hold. */
  when: z.strictObject({
    /** Running longer than this, counted from the job's start. */
    runtimeOver: duration.optional(),
    /** No new history record and no CPU for this long. */
    idleFor: duration.optional(),
    /** Resident memory of the whole tree above this. */
    rssOver: size.optional(),
    /** CPU percent of the whole tree above this (100 = one core)… */
    cpuOver: z.number().positive().optional(),
    /** …for this many ticks in a row (default 3). */
    forTicks: z.number().int().positive().optional(),
    /** Its launcher is gone or its parent is init. */
    orphaned: z.boolean().optional(),
    /** The thread's total tokens above this. */
    tokensOver: z.number().int().positive().optional(),
    /** Its tools run a Python outside the project's env, or it keeps hitting the same ModuleNotFoundError. */
    pythonMismatch: z.boolean().optional(),
    /** The job ended (true), or ended in one of these states: fires once per job, after its end. */
    ended: z.union([z.literal(true), z.array(z.enum(END_STATES)).min(1)]).optional(),
  }).refine((when) => Object.keys(when).length > 0, "expected at least one condition"),
  /** Actions, in order: names or [name, options]. */
  do: z.array(actionRef).min(1),
  /** Fire again while the condition holds: true (every tick) or a duration between firings. Default: once per job. */
  repeat: z.union([z.boolean(), duration]).default(false),
}).refine((policy) => policy.when.ended === undefined || policy.repeat === false, {
  path: ["repeat"], message: "a job ends once: repeat cannot be used with when.ended",
});

// node-cron (and the node:crypto it loads) is required only when a config has a schedule to check:
// every command validates its config, few configs have schedules.
const validCron = (text: string): boolean => (require("node-cron") as typeof import("node-cron")).default.validate(text);

export const cronExpression = z.string().superRefine((text, ctx) => {
  if (!validCron(text)) ctx.addIssue({ code: "custom", message: `"${text}" is not a valid cron expression (expected e.g. "0 3 * * *")` });
});

export const scheduleSchema = z.discriminatedUnion("do", [
  z.strictObject({
    /** A cron expression (node-cron, seconds optional). */
    cron: cronExpression,
    /** Drop ended jobs (and their events) older than `olderThan`. */
    do: z.literal("prune"),
    olderThan: durationWithin(DURATION_RANGES.retention),
  }),
  z.strictObject({
    cron: cronExpression,
    /** Send a summary of jobs and events through the notify actions. */
    do: z.literal("report"),
  }),
]);

const pluginObject = z.custom<{ readonly name: string }>(
  (value) => typeof value === "object" && value !== null && typeof (value as { name?: unknown }).name === "string",
  "expected a plugin object from definePlugin({ name, ... })",
);

/** A plugin: a built-in's name, a module path, `[either, options]`, or (TS configs) a plugin object. */
export const pluginRef = z.union([z.string().min(1), z.tuple([z.string().min(1), z.record(z.string(), z.unknown())]), pluginObject]);

export type PolicyConfig = z.output<typeof policySchema>;
/** A parsed policy is what the core judges (core/policy.ts): tsc checks the two agree. */
type Holds<T extends true> = T;
export type PolicyFitsCore = Holds<PolicyConfig extends Policy ? true : false>;
export type ScheduleConfig = z.output<typeof scheduleSchema>;
export type PluginRef = z.output<typeof pluginRef>;
export type ActionRef = z.output<typeof actionRef>;
