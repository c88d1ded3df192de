import type { Loader, PublicExplorer } from "cosmiconfig";
import * as Effect from "effect/Effect";
import { readdirSync } from "node:fs";
import { stat } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { ConfigError } from "../core/errors.ts";
import { configDefaults, defaultConfig } from "./defaults.ts";
import { userConfigDir, type PathContext } from "./paths.ts";
import type { Config, ConfigSchema } from "./schema.ts";
import { typeName } from "./typeName.ts";

// cosmiconfig and zod are loaded only once there is a file to load and check, and most commands
// find no config file at all. Loading both anyway cost such a command ~15 ms of CPU: a `kill` of
// an unknown job, no config file, 60 runs of `bun bench/tools/cli-ab.ts` against the build before,
// median 68 ms against 83.

export interface LoadConfigOptions {
  /** Where the project search starts. */
  readonly cwd: string;
  /** `--config FILE`: load exactly this file (over the global one) instead of searching. */
  readonly explicitFile?: string | undefined;
  /** Defaults to process.env. */
  readonly env?: PathContext["env"] | undefined;
  /** Where the global config.ts / config.json live; defaults to the user config dir. */
  readonly globalDir?: string | undefined;
  /** Home directory: the project search stops there, and `~/` expands to it. Defaults to os.homedir(). */
  readonly home?: string | undefined;
}

export interface LoadedConfig {
  readonly config: Config;
  /** The files that applied, global first. */
  readonly files: ReadonlyArray<string>;
}

type Raw = Record<string, unknown>;

const MODULE = "codex-supervisor";
/** Where a project config may be, in each directory from the job's upward (also what configFingerprint stats). */
export const PROJECT_PLACES = [
  "package.json", `.${MODULE}rc`, `.${MODULE}rc.json`, `.${MODULE}rc.yaml`, `.${MODULE}rc.yml`,
  `${MODULE}.config.ts`, `${MODULE}.config.js`, `${MODULE}.config.mjs`, `.${MODULE}rc.ts`,
];
export const GLOBAL_PLACES = ["config.ts", "config.json"];

const field = (value: unknown, key: string): unknown =>
  typeof value === "object" && value !== null ? Reflect.get(value, key) : undefined;
const errorText = (cause: unknown): string => {
  const message = field(cause, "message");
  return typeof message === "string" ? message : String(cause);
};

/** A file that could not be read as a config; each problem is shown to the user as is. */
class LoadFailure extends Error {
  constructor(readonly problems: ReadonlyArray<string>, options?: ErrorOptions) {
    super(problems.join("; "), options);
  }
}

// Bun reports a syntax error as an AggregateError of BuildMessages, each with a position.
const importProblems = (cause: unknown): string[] =>
  (cause instanceof AggregateError ? cause.errors : [cause]).map((part: unknown) => {
    const line = field(field(part, "position"), "line");
    const column = field(field(part, "position"), "column");
    const where = typeof line === "number" ? ` (line ${line}, column ${String(column)})` : "";
    return `could not be imported: ${errorText(part).replace(/\?t=[\d.]+/g, "")}${where}`;
  });

const isPlainObject = (value: unknown): value is Raw => {
  if (typeof value !== "object" || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

// Bun imports TS natively: nothing is compiled or written beside the user's file.
// The mtime query makes an edited file a new module, so a reload sees the edit. It goes on the
// plain path: Bun 1.4 drops the query from a file: URL and would serve the cached module.
const importModule: Loader = async (file) => {
  const { mtimeMs } = await stat(file);
  let mod: unknown;
  try {
    mod = await import(`${file}?t=${mtimeMs}`);
  } catch (cause) {
    throw new LoadFailure(importProblems(cause), { cause });
  }
  const config = field(mod, "default");
  if (config === undefined) throw new LoadFailure(["has no default export (expected `export default defineConfig({ ... })`)"]);
  if (!isPlainObject(config)) throw new LoadFailure([`the default export must be a config object, got ${typeName(config)}`]);
  return config;
};

const parseJson: Loader = (_file, content) => {
  try {
    return JSON.parse(content);
  } catch (cause) {
    throw new LoadFailure([`invalid JSON: ${errorText(cause)}`], { cause });
  }
};

// cosmiconfig's YAML loader prefixes "YAML Error in FILE:"; the ConfigError names the file already.
const parseYaml: Loader = async (file, content) => {
  try {
    return await (await import("cosmiconfig")).defaultLoaders[".yaml"]!(file, content);
  } catch (cause) {
    const reason = errorText(cause).replace(/^YAML Error in .*:\n/, "").split("\n")[0];
    throw new LoadFailure([`invalid YAML: ${reason}`], { cause });
  }
};

// A file holding `null` would otherwise read as "no config here" and be skipped silently.
const objectOnly = (loader: Loader): Loader => async (file, content) => {
  const value: unknown = await loader(file, content);
  if (!isPlainObject(value)) throw new LoadFailure([`expected a config object, got ${typeName(value)}`]);
  return value;
};

const LOADERS = {
  ".ts": importModule, ".js": importModule, ".mjs": importModule,
  ".json": objectOnly(parseJson), ".yaml": objectOnly(parseYaml), ".yml": objectOnly(parseYaml), noExt: objectOnly(parseYaml),
};

// searchStrategy "none" and our own walk upward: cosmiconfig's "global" strategy would also
// read its own user-config dir, which is neither ours on macOS nor overridable in tests.
const explorer = async (searchPlaces: string[]): Promise<PublicExplorer> =>
  (await import("cosmiconfig")).cosmiconfig(MODULE, { searchPlaces, loaders: LOADERS, searchStrategy: "none", cache: false });

const failure = (file: string, messages: ReadonlyArray<string>, cause?: unknown) =>
  new ConfigError({ file, issues: messages.map((message) => ({ path: "", message })), cause });

const readFailure = (file: string, cause: unknown): ConfigError => {
  // cosmiconfig tags a loader's error with the file it was reading.
  const filepath = field(cause, "filepath");
  const code = field(cause, "code");
  const messages = code === "ENOENT" ? ["file not found"]
    : code === "EISDIR" ? ["is a directory, not a config file"]
    : cause instanceof LoadFailure ? cause.problems : [errorText(cause)];
  return failure(typeof filepath === "string" ? filepath : file, messages, cause);
};

interface Layer {
  readonly file: string;
  readonly raw: Raw;
}

const toLayer = (found: { filepath: string; config: unknown } | null): Layer | undefined => {
  if (!found) return undefined;
  if (found.config === undefined) return { file: found.filepath, raw: {} };
  if (!isPlainObject(found.config)) throw failure(found.filepath, [`expected a config object, got ${typeName(found.config)}`]);
  return { file: found.filepath, raw: found.config };
};

/**
 * Whether a directory holds any of the places (one readdir): cosmiconfig is asked only about
 * those that do. Its search tries every place with its own async read, ~10 per directory on
 * the way up from the cwd, which cost every command ~15 ms.
 */
const mayHold = (dir: string, places: ReadonlyArray<string>): boolean => {
  try {
    return readdirSync(dir).some((name) => places.includes(name));
  } catch {
    return true; // unreadable: let cosmiconfig say what is wrong
  }
};

/** `places` is made only for a directory that may hold one (a cosmiconfig explorer costs ~2 ms to make). */
const searchUpward = async (places: () => Promise<PublicExplorer>, from: string, stopDir: string) => {
  let explorer: PublicExplorer | undefined;
  for (let dir = from; ; dir = dirname(dir)) {
    const found = mayHold(dir, PROJECT_PLACES) ? await (explorer ??= await places()).search(dir) : null;
    if (found) return found;
    if (dir === stopDir || dirname(dir) === dir) return null;
  }
};

const attempt = async <A>(file: string, load: () => Promise<A>): Promise<A> => {
  try {
    return await load();
  } catch (cause) {
    throw cause instanceof ConfigError ? cause : readFailure(file, cause);
  }
};

const checkLayer = (schema: ConfigSchema, format: typeof import("./format.ts"), layer: Layer): void => {
  const result = schema.safeParse(layer.raw, { error: format.configErrorMap, reportInput: true });
  if (!result.success) throw new ConfigError({ file: layer.file, issues: format.configIssues(schema, result.error) });
};

// Paths in a file mean the same wherever the supervisor runs: relative to that file, `~/` to home.
// A bare `codex.bin` stays a PATH lookup; python paths stay relative to each job's directory.
const anchorPaths = (layer: Layer, home: string): Layer => {
  const anchor = (p: string) => (p === "~" ? home : p.startsWith("~/") ? join(home, p.slice(2)) : resolve(dirname(layer.file), p));
  const fields = [["database", "path"], ["codex", "home"], ["codex", "bin"]] as const;
  let raw = layer.raw;
  for (const [section, key] of fields) {
    const block = raw[section];
    const value = isPlainObject(block) ? block[key] : undefined;
    if (!isPlainObject(block) || typeof value !== "string") continue;
    if (key === "bin" && !value.includes("/")) continue;
    raw = { ...raw, [section]: { ...block, [key]: anchor(value) } };
  }
  const plugins = raw["plugins"];
  if (Array.isArray(plugins)) {
    const local = (p: unknown) => typeof p === "string" && (p.startsWith(".") || p.startsWith("/") || p.startsWith("~"));
    raw = { ...raw, plugins: plugins.map((entry: unknown) =>
      local(entry) ? anchor(entry as string)
        : Array.isArray(entry) && local(entry[0]) ? [anchor(entry[0] as string), ...entry.slice(1)]
        : entry) };
  }
  return { ...layer, raw };
};

/** What names an entry of a named list: a policy's `name`, a plugin's name or path. */
const entryName = (entry: unknown): unknown =>
  Array.isArray(entry) ? entry[0] : typeof entry === "string" ? entry : field(entry, "name");

// A project adds to the global policies and plugins; one of the same name replaces the global one.
const NAMED_LISTS = new Set(["policies", "plugins"]);
const mergeNamed = (base: ReadonlyArray<unknown>, over: ReadonlyArray<unknown>): unknown[] => {
  const names = new Set(over.map(entryName));
  return [...base.filter((entry) => !names.has(entryName(entry))), ...over];
};

/** Objects merge key by key; policies and plugins merge by name; other arrays are replaced. */
const mergeLayers = (base: Raw, over: Raw): Raw => {
  const out: Raw = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? mergeLayers(current, value)
      : NAMED_LISTS.has(key) && Array.isArray(current) && Array.isArray(value) ? mergeNamed(current, value)
      : value;
  }
  return out;
};

// Our own variables exist to override per invocation, so they beat the files; CODEX_HOME is only a default.
const applyEnvOverrides = (config: Config, env: PathContext["env"]): Config => ({
  ...config,
  codex: { ...config.codex, bin: env["CODEX_SUPERVISOR_CODEX"] || config.codex.bin },
  database: { ...config.database, path: env["CODEX_SUPERVISOR_DB"] || config.database.path },
});

/** The global file, then the project's (or the explicit one) over it; rejects with ConfigError. */
export const loadConfig = async (options: LoadConfigOptions): Promise<LoadedConfig> => {
  const env = options.env ?? process.env;
  const home = resolve(options.home ?? homedir());
  const ctx: PathContext = { env, platform: process.platform, home };
  const cwd = resolve(options.cwd);
  const globalDir = resolve(options.globalDir ?? userConfigDir(ctx));
  const defaults = configDefaults(ctx);
  const explicit = options.explicitFile === undefined ? undefined : resolve(cwd, options.explicitFile);

  const global = mayHold(globalDir, GLOBAL_PLACES) ? await attempt(globalDir, async () => (await explorer(GLOBAL_PLACES)).search(globalDir)) : null;
  const project = explicit
    ? await attempt(explicit, async () => (await explorer(PROJECT_PLACES)).load(explicit))
    : await attempt(cwd, () => searchUpward(() => explorer(PROJECT_PLACES), cwd, home));
  // Only a package.json without our key loads as null.
  if (explicit && !project) throw failure(explicit, [`has no "${MODULE}" key`]);

  const layers = [toLayer(global), toLayer(project)].filter((layer): layer is Layer => layer !== undefined);
  if (layers.length === 0) return { config: applyEnvOverrides(defaultConfig(defaults), env), files: [] };
  const [{ configSchema }, format] = await Promise.all([import("./schema.ts"), import("./format.ts")]);
  const schema = configSchema(defaults);
  for (const layer of layers) checkLayer(schema, format, layer);
  const merged = layers.map((layer) => anchorPaths(layer, home)).reduce<Raw>((acc, layer) => mergeLayers(acc, layer.raw), {});
  return { config: applyEnvOverrides(schema.parse(merged), env), files: layers.map((layer) => layer.file) };
};

/** loadConfig as an Effect, for the CLI and the watchdog's reload. */
export const loadConfigEffect = (options: LoadConfigOptions): Effect.Effect<LoadedConfig, ConfigError> =>
  Effect.tryPromise({
    try: () => loadConfig(options),
    catch: (cause) => (cause instanceof ConfigError ? cause : readFailure(options.explicitFile ?? options.cwd, cause)),
  }).pipe(Effect.withSpan("loadConfig"));
