// `codex-supervisor/plugin`: what a plugin needs beside definePlugin. The built-in plugins
// (plugins/) import only this and `codex-supervisor`, exactly as a user's plugin does.

/** The supervisor's own zod: options schemas built with it get the config's error wording. */
export { z } from "zod";

/** Option schemas: a duration ("5s") parsed to milliseconds, a size ("512MB") parsed to bytes. */
export { duration, durationWithin, size } from "./config/fields.ts";
/** The bounds the supervisor's own durations keep, and the reader behind the schemas. */
export { DURATION_RANGES, formatDuration, parseDuration, readDuration } from "./core/duration.ts";
export type { DurationRange, DurationReading } from "./core/duration.ts";
export { parseSize } from "./core/size.ts";

/** The launch environment: the chosen Python/venv made to survive Codex's login shell, TOML quoting for `-c`. */
export { applyPythonEnv, tomlString } from "./core/launch.ts";
export type { LaunchSpec } from "./core/launch.ts";
export type { PythonEnv } from "./core/job.ts";
