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
export type { Subject, SubjectEnd } from "./core/subject.ts";

// The programmatic API (docs/api.md); the Effect service it is built on is `codex-supervisor/effect`.
export { createSupervisor } from "./api/lazy.ts";
export { isSupervisorError, SupervisorError } from "./api/errors.ts";
export type { SupervisorErrorTag } from "./api/errors.ts";
export type {
  EventJson, EventsOptions, JobDetailJson, JobEntryJson, JobJson, JobStatus, KillJson, KillOptions, ListJson, ListOptions,
  LogEvent, LogsOptions, PythonChoice, ResumeOptions, StartOptions, Supervisor, SupervisorOptions, UntrackedJson, WaitOptions,
} from "./api/types.ts";
