import type { ConfigIssue } from "../core/errors.ts";

/**
 * The keys only the global config (or a `--config` file) may set: what one watchdog or one
 * database uses for every project at once, so a project file's value could never apply.
 * Add a key here, with why, and a project file that sets it is refused naming it.
 */
export const GLOBAL_ONLY_KEYS: ReadonlyArray<{ readonly path: string; readonly why: string }> = [
  { path: "watchdog.interval", why: "one watchdog looks at every project's jobs, at one interval" },
  { path: "schedules", why: "the watchdog runs one set of schedules for every project" },
  { path: "metrics", why: "one watchdog serves the whole machine's metrics, and a project must not open a port on it" },
];

const valueAt = (raw: Readonly<Record<string, unknown>>, path: string): unknown =>
  path.split(".").reduce<unknown>((value, key) =>
    (typeof value === "object" && value !== null && !Array.isArray(value) ? Reflect.get(value, key) : undefined), raw);

/** One issue per global-only key a project file sets. */
export const globalOnlyIssues = (raw: Readonly<Record<string, unknown>>, globalDir: string): ConfigIssue[] =>
  GLOBAL_ONLY_KEYS.filter(({ path }) => valueAt(raw, path) !== undefined).map(({ path, why }) => ({
    path,
    message: `a project config cannot set this (${why}): set it in the global config (${globalDir}/config.json or another config.* there) or a file given with --config`,
  }));
