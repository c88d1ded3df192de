// The package entry: what a config file or a plugin imports from "codex-supervisor".
export { defineConfig } from "./config/defineConfig.ts";
export type { Config, UserConfig } from "./config/defineConfig.ts";
export { definePlugin } from "./hooks/types.ts";
export type {
  ActionContext, ActionHandler, ActionResult, BeforeLaunchHook, HookContext, JobEndContext, KillSummary,
  OnJobEndHook, OnReportHook, OnTickHook, OptionsSchema, Plugin, ReportContext, TickContext,
} from "./hooks/types.ts";
export type { Job } from "./core/job.ts";
export type { LaunchSpec } from "./core/launch.ts";
export type { Subject } from "./core/subject.ts";
