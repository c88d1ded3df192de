import type { Config } from "./schema.ts";
import { codexBin, codexHome, databasePath, type PathContext } from "./paths.ts";

// Most commands run with no config file at all: the global one and the project's are both
// optional. Such a command needs only the defaults, and loading zod to compute them (its module,
// then the schema, then a parse of {}) was a large part of what a config cost a command's start
// (see load.ts). So the defaults are also written out here, without zod;
// test/config/defaults.test.ts holds them equal to `configSchema(defaults).parse({})`, so a
// default changed in the schema alone fails it.

/** Defaults that depend on the machine (env, home), computed once per load. */
export interface ConfigDefaults {
  readonly codexBin: string;
  readonly codexHome: string;
  readonly databasePath: string;
}

export const configDefaults = (ctx: PathContext): ConfigDefaults =>
  ({ codexBin: codexBin(ctx), codexHome: codexHome(ctx), databasePath: databasePath(ctx) });

/** The config of a user who wrote none: what the schema makes of `{}`. */
export const defaultConfig = (defaults: ConfigDefaults): Config => ({
  codex: { bin: defaults.codexBin, args: [], home: defaults.codexHome },
  database: { path: defaults.databasePath },
  python: { discover: true, names: [".venv", "venv"] },
  watchdog: { interval: 5_000, pluginTimeout: 10_000 },
  limits: {},
  plugins: [],
  policies: [],
  schedules: [],
});
