import { z } from "zod";
import { DURATION_RANGES } from "../core/duration.ts";
import { duration, durationWithin } from "./fields.ts";
import { limitsSchema } from "./limits.ts";
import { metricsSchema } from "./metrics.ts";
import { pluginRef, policySchema, scheduleSchema } from "./policies.ts";
import type { ConfigDefaults } from "./defaults.ts";

// zod compiles a fast parser for an object schema the first time it parses one: worth it for a
// schema parsed thousands of times, not for a config parsed once per command: building the schema
// and its first parses is cheaper without (`bun bench/tools/config-load.ts`; BENCHMARKS.md, "Measurements behind the code").
z.config({ jitless: true });

export { duration };

// Each section is prefaulted to {} so a missing section still gets its fields' defaults.
export const configSchema = (defaults: ConfigDefaults) =>
  z.strictObject({
    /** How jobs run Codex. */
    codex: z
      .strictObject({
        /** The Codex executable: a name looked up on PATH or a path (default `codex`, or $CODEX_SUPERVISOR_CODEX). */
        bin: z.string().min(1).default(defaults.codexBin),
        /** Extra arguments given to every `codex exec`, before the job's own. */
        args: z.array(z.string()).default(() => []),
        /** CODEX_HOME for launched jobs and where their history is read (default $CODEX_HOME or ~/.codex). */
        home: z.string().min(1).default(defaults.codexHome),
      })
      .prefault({}),
    /** The supervisor's own job database. */
    database: z
      .strictObject({
        /** SQLite file (default `<stateDir>/supervisor.db`; $CODEX_SUPERVISOR_DB wins over the config). */
        path: z.string().min(1).default(defaults.databasePath),
      })
      .prefault({}),
    /** Which Python environment a job runs with. */
    python: z
      .strictObject({
        /** A virtualenv every job uses, relative to the job's directory. */
        venv: z.string().min(1).optional(),
        /** A Python interpreter every job uses, when not `venv`. */
        python: z.string().min(1).optional(),
        /** Look for a virtualenv from the job's directory upward. */
        discover: z.boolean().default(true),
        /** Directory names that count as a virtualenv when discovering. */
        names: z.array(z.string().min(1)).default(() => [".venv", "venv"]),
      })
      .prefault({}),
    /** The background loop that watches jobs. */
    watchdog: z
      .strictObject({
        /** How often the watchdog looks at jobs, e.g. "5s" (milliseconds once resolved). */
        interval: durationWithin(DURATION_RANGES.interval).prefault("5s"),
        /** How long one plugin hook may take before it is abandoned and recorded as an error. */
        pluginTimeout: durationWithin(DURATION_RANGES.pluginTimeout).prefault("10s"),
      })
      .prefault({}),
    /** Hard limits on each job, applied at launch in the job's cgroup (Linux): as systemd's MemoryMax, CPUQuota, TasksMax. */
    limits: limitsSchema.prefault({}),
    /** Plugins, in order: built-in names ("notify"), module paths, or [either, options]. */
    plugins: z.array(pluginRef).default(() => []),
    /** Rules the watchdog applies each tick; a project policy replaces a global one of the same name. */
    policies: z.array(policySchema).default(() => []),
    /** Periodic work on cron schedules. */
    schedules: z.array(scheduleSchema).default(() => []),
    /** Prometheus and OpenTelemetry metrics of the watchdog (docs/fleet.md); only the global config may set them. */
    metrics: metricsSchema.optional(),
  });

export type ConfigSchema = ReturnType<typeof configSchema>;

/** What a config file may contain: every field optional. */
export type UserConfig = z.input<ConfigSchema>;

/** The resolved config: every default applied, durations in milliseconds. */
export type Config = z.output<ConfigSchema>;
