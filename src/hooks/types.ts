import type { Config } from "../config/schema.ts";
import type { Job } from "../core/job.ts";
import type { LaunchSpec } from "../core/launch.ts";
import type { Subject } from "../core/subject.ts";

/** What every hook gets: the plugin's own options (validated at load) and a logger into the events table. */
export interface HookContext<Options = Record<string, unknown>> {
  readonly options: Options;
  /** Records a line in the events table, attributed to this plugin. */
  readonly log: (message: string, data?: unknown) => void;
}

/** Change a launch: return a new spec (env, args), or nothing to leave it. Runs in sequence, in plugin order. */
export type BeforeLaunchHook<Options = Record<string, unknown>> = (
  spec: LaunchSpec,
  ctx: HookContext<Options> & { readonly config: Config },
) => LaunchSpec | void | Promise<LaunchSpec | void>;

/** The result of the verified whole-tree kill, as actions see it. */
export interface KillSummary {
  readonly result: "killed" | "already-gone" | "survivors" | "refused";
  readonly processes: number;
  readonly survivors: ReadonlyArray<number>;
  readonly message: string;
}

/** What an action is asked to act on, and the tools it may use. */
export interface ActionContext<Options = Record<string, unknown>> extends HookContext<Options> {
  readonly subject: Subject;
  readonly policy: { readonly name: string };
  /** The action's own options from the policy: `["kill", { grace: "1s" }]` gives `{ grace: "1s" }`. */
  readonly actionOptions: Record<string, unknown>;
  /** One line saying what happened, e.g. `max-runtime: job 1a2b3c4d ran 46m (over 45m)`. */
  readonly message: string;
  /** The verified whole-tree kill: the only way a plugin may end processes. */
  readonly kill: (options?: { readonly graceMs?: number }) => Promise<KillSummary>;
}

export interface ActionResult {
  /** Done: a kill counts as done only when the tree is gone. Not done: the action runs again next tick. */
  readonly done: boolean;
  readonly message?: string;
}

/** A named action policies can call in `do`. */
export type ActionHandler<Options = Record<string, unknown>> = (
  ctx: ActionContext<Options>,
) => ActionResult | void | Promise<ActionResult | void>;

export interface TickContext<Options = Record<string, unknown>> extends HookContext<Options> {
  readonly at: number;
  readonly subjects: ReadonlyArray<Subject>;
}

/** Runs once per watchdog tick, plugins in parallel. */
export type OnTickHook<Options = Record<string, unknown>> = (ctx: TickContext<Options>) => void | Promise<void>;

export interface JobEndContext<Options = Record<string, unknown>> extends HookContext<Options> {
  readonly job: Job;
}

/** Runs once when the watchdog sees a job reach a final state, plugins in parallel. */
export type OnJobEndHook<Options = Record<string, unknown>> = (ctx: JobEndContext<Options>) => void | Promise<void>;

export interface ReportContext<Options = Record<string, unknown>> extends HookContext<Options> {
  readonly at: number;
  /** The summary, one or more lines. */
  readonly text: string;
}

/** Receives the watchdog's scheduled summary (`schedules: [{ do: "report" }]`), plugins in parallel. */
export type OnReportHook<Options = Record<string, unknown>> = (ctx: ReportContext<Options>) => void | Promise<void>;

/** Anything with zod's `safeParse`: validates a plugin's options when it loads. */
export interface OptionsSchema<Options> {
  readonly safeParse: (value: unknown) => { success: true; data: Options } | { success: false; error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> } };
}

/** A plugin: a plain object; every hook is optional. */
export interface Plugin<Options = Record<string, unknown>> {
  /** Unique among loaded plugins; events and errors name it. */
  readonly name: string;
  /** Runs before ("pre") or after ("post") plugins without an order. */
  readonly order?: "pre" | "post";
  /** Validates the plugin's options from the config when it loads. */
  readonly options?: OptionsSchema<Options>;
  readonly beforeLaunch?: BeforeLaunchHook<Options>;
  readonly actions?: Readonly<Record<string, ActionHandler<Options>>>;
  /**
   * A schema for the options a policy gives an action (`["kill", { grace: "1s" }]`), by action name:
   * checked when the config loads; the action gets what it parsed to. Without one, they pass as given.
   */
  readonly actionOptions?: Readonly<Record<string, OptionsSchema<Record<string, unknown>>>>;
  readonly onTick?: OnTickHook<Options>;
  readonly onJobEnd?: OnJobEndHook<Options>;
  readonly onReport?: OnReportHook<Options>;
}

/** Types a plugin; returns it unchanged. */
export const definePlugin = <Options = Record<string, unknown>>(plugin: Plugin<Options>): Plugin<Options> => plugin;
