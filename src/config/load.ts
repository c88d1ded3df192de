import type { Loader, PublicExplorer } from "cosmiconfig";
import * as Effect from "effect/Effect";
import { existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { ConfigError } from "../core/errors.ts";
import { configDefaults, defaultConfig } from "./defaults.ts";
import { GLOBAL_ONLY_KEYS, globalOnlyIssues } from "./globalOnly.ts";
import { configsIn, conflictText, findProjectFile, findProjectFiles, GLOBAL_PLACES, PROJECT_PLACES } from "./locate.ts";
import { ownershipProblem } from "./ownership.ts";
import { userConfigDir, type PathContext } from "./paths.ts";
import { localPluginFile, pluginFilesOf } from "./pluginFiles.ts";
import type { Config, ConfigSchema } from "./schema.ts";
import { judgeConfigFile, judgePluginFiles, readTrust, sha256Of, trustCommand, type TrustEntry, trustFilePath } from "./trust.ts";
import { typeName } from "./typeName.ts";

export { GLOBAL_ONLY_KEYS, GLOBAL_PLACES, PROJECT_PLACES };

// cosmiconfig and zod are loaded only once there is a file to load and check, and most commands
// find no config file at all, and loading both anyway costs such a command a noticeable share of its
// start (`bun bench/tools/cli-ab.ts`; BENCHMARKS.md, "Measurements behind the code").

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
  /**
   * A project file found by the search that does not load or validate: "fail" (the default)
   * rejects; "skip" goes on without it and says why in `skipped` (what read-only commands do).
   */
  readonly badProject?: "fail" | "skip" | undefined;
}

/** A project config found but not applied, and what would apply it. */
export interface SkippedConfig {
  readonly file: string;
  /** Why, in words: "it was never trusted", "it was edited since it was trusted", an ownership refusal. */
  readonly reason: string;
  /** The command that applies it, when trusting it is the fix (not for a file someone else can write). */
  readonly fix: string | undefined;
  /** sha256 of its content when it could be read: a new one is a new change to report. */
  readonly sha256: string | undefined;
  /** Set when it was skipped because it does not load or validate (`badProject: "skip"`). */
  readonly error?: ConfigError | undefined;
}

export interface LoadedConfig {
  readonly config: Config;
  /** The files that applied, global first. */
  readonly files: ReadonlyArray<string>;
  /** The project's file, when one was found and not applied (untrusted, or not safely owned): the global config applies instead. */
  readonly skipped?: SkippedConfig | undefined;
}

type Raw = Record<string, unknown>;

const MODULE = "codex-supervisor";

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
  return noImports(config);
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

// cosmiconfig would load (import, for a .ts) the files a config's `$import` names: files no trust
// record and no ownership check covers. The config schema has no such key, so it is refused here.
const noImports = (config: Raw): Raw => {
  if (Object.hasOwn(config, "$import")) throw new LoadFailure(["`$import` is not supported: put the settings in this file (or the global config)"]);
  return config;
};

// A file holding `null` would otherwise read as "no config here" and be skipped silently.
const objectOnly = (loader: Loader): Loader => async (file, content) => {
  const value: unknown = await loader(file, content);
  if (!isPlainObject(value)) throw new LoadFailure([`expected a config object, got ${typeName(value)}`]);
  const own = basename(file) === "package.json" ? value[MODULE] : value;
  if (isPlainObject(own)) noImports(own);
  return value;
};

const LOADERS = {
  ".ts": importModule, ".js": importModule, ".mjs": importModule, ".cjs": importModule, ".mts": importModule, ".cts": importModule,
  ".json": objectOnly(parseJson), ".yaml": objectOnly(parseYaml), ".yml": objectOnly(parseYaml), noExt: objectOnly(parseYaml),
};

// searchStrategy "none" and our own walk upward: cosmiconfig's "global" strategy would also
// read its own user-config dir, which is neither ours on macOS nor overridable in tests.
const explorer = async (searchPlaces: ReadonlyArray<string>): Promise<PublicExplorer> =>
  (await import("cosmiconfig")).cosmiconfig(MODULE, { searchPlaces: [...searchPlaces], loaders: LOADERS, searchStrategy: "none", cache: false });

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

/** One config file as read: where it is and what it holds, before the global and project files merge. */
interface ConfigSource {
  readonly file: string;
  readonly raw: Raw;
}

const toLayer = (found: { filepath: string; config: unknown } | null): ConfigSource | undefined => {
  if (!found) return undefined;
  if (found.config === undefined) return { file: found.filepath, raw: {} };
  if (!isPlainObject(found.config)) throw failure(found.filepath, [`expected a config object, got ${typeName(found.config)}`]);
  return { file: found.filepath, raw: found.config };
};

const attempt = async <A>(file: string, load: () => Promise<A>): Promise<A> => {
  try {
    return await load();
  } catch (cause) {
    throw cause instanceof ConfigError ? cause : readFailure(file, cause);
  }
};

// Paths in a file mean the same wherever the supervisor runs: relative to that file, `~/` to home.
// A bare `codex.bin` stays a PATH lookup; python paths stay relative to each job's directory.
const anchorPaths = (layer: ConfigSource, home: string): ConfigSource => {
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
  // A plugin path (as the plugin host reads one) becomes absolute: what the trust record names.
  const plugins = raw["plugins"];
  if (Array.isArray(plugins)) {
    const local = (p: unknown) => (typeof p === "string" ? localPluginFile(p, dirname(layer.file), home) : undefined);
    raw = { ...raw, plugins: plugins.map((entry: unknown) =>
      local(entry) ?? (Array.isArray(entry) && local(entry[0]) ? [local(entry[0]), ...entry.slice(1)] : entry)) };
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

/** Loads one file as a layer, once no other user can have written it; rejects with ConfigError. */
const readLayer = async (file: string): Promise<ConfigSource | undefined> => {
  const refused = existsSync(file) ? ownershipProblem(file) : undefined; // a missing one: cosmiconfig says "file not found"
  if (refused) throw failure(file, [refused]);
  return toLayer(await attempt(file, async () => (await explorer(PROJECT_PLACES)).load(file)));
};

type Gate = { readonly trusted: TrustEntry } | { readonly skipped: SkippedConfig };

/** Whether a project file may be loaded at all: safely owned, and trusted as it is now. Reads it; runs nothing. */
const gateProject = (file: string, trustFile: string): Gate => {
  const refused = ownershipProblem(file);
  let sha256: string | undefined;
  try { sha256 = sha256Of(file); } catch { sha256 = undefined; }
  if (refused) return { skipped: { file, reason: refused, fix: undefined, sha256 } };
  if (sha256 === undefined) return { skipped: { file, reason: "it could not be read", fix: undefined, sha256 } };
  const record = readTrust(trustFile);
  if ("problem" in record) return { skipped: { file, reason: record.problem, fix: undefined, sha256 } };
  const verdict = judgeConfigFile(record, file, sha256);
  return verdict.trusted ? { trusted: verdict.entry } : { skipped: { file, reason: verdict.reason, fix: trustCommand(projectDirOf(file)), sha256 } };
};

/** Where a load with these options looks, and where its trust record is. */
const whereFrom = (options: LoadConfigOptions) => {
  const env = options.env ?? process.env;
  const home = resolve(options.home ?? homedir());
  const ctx: PathContext = { env, platform: process.platform, home };
  const cwd = resolve(options.cwd);
  return {
    env, home, ctx, cwd,
    globalDir: resolve(options.globalDir ?? userConfigDir(ctx)),
    explicit: options.explicitFile === undefined ? undefined : resolve(cwd, options.explicitFile),
    trustFile: trustFilePath(ctx),
  };
};

/**
 * A project file as `trust` records it: loaded (a TS one is run: trusting it is the user's
 * decision), with the plugin files it names. Refuses a file someone else can write.
 */
export const readProjectFile = async (file: string, options: Pick<LoadConfigOptions, "home"> = {}): Promise<{ readonly pluginFiles: ReadonlyArray<string> }> => {
  const home = resolve(options.home ?? homedir());
  const layer = await readLayer(file);
  return { pluginFiles: layer ? pluginFilesOf(anchorPaths(layer, home).raw["plugins"], dirname(file), home) : [] };
};

/** The project config file a load from `cwd` would apply (without `--config`), found without loading it. */
export const projectFileFor = (options: LoadConfigOptions): string | undefined => {
  const where = whereFrom(options);
  return findProjectFile(where.cwd, where.home);
};

/**
 * The global file, then the project's (or the explicit one) over it; rejects with ConfigError.
 * The global file and an explicit one are the user's own choice; a project file found by the
 * search applies only when trusted (see trust.ts), else the result says it was skipped. None
 * is read when another user can write it.
 */
export const loadConfig = async (options: LoadConfigOptions): Promise<LoadedConfig> => {
  const { env, home, ctx, cwd, globalDir, explicit, trustFile } = whereFrom(options);
  const defaults = configDefaults(ctx);
  const globalFiles = configsIn(globalDir, GLOBAL_PLACES);
  if (globalFiles.length > 1) throw failure(globalFiles[0]!, [conflictText(globalFiles)]);
  const global = globalFiles[0] ? await readLayer(globalFiles[0]) : undefined;
  let checks: Checks | undefined;
  const checksFor = async () => (checks ??= await loadChecks(defaults));
  if (global) checkLayer(await checksFor(), global);
  const over = explicit ? await explicitLayer(explicit) : await projectLayer(findProjectFiles(cwd, home), { trustFile, home, globalDir, checks: checksFor }, options.badProject ?? "fail");
  const project = over && "layer" in over ? over.layer : undefined;
  if (explicit && project) checkLayer(await checksFor(), project);
  const skipped = over && "skipped" in over ? over.skipped : undefined;
  const layers = [global, project].filter((layer): layer is ConfigSource => layer !== undefined);
  const result = (loaded: Omit<LoadedConfig, "skipped">): LoadedConfig => (skipped ? { ...loaded, skipped } : loaded);
  if (layers.length === 0) return result({ config: applyEnvOverrides(defaultConfig(defaults), env), files: [] });
  const anchored = layers.map((layer) => anchorPaths(layer, home));
  const merged = anchored.reduce<Raw>((acc, layer) => mergeLayers(acc, layer.raw), {});
  return result({ config: applyEnvOverrides((await checksFor()).schema.parse(merged), env), files: anchored.map((layer) => layer.file) });
};

interface Checks {
  readonly schema: ConfigSchema;
  readonly format: typeof import("./format.ts");
}

const loadChecks = async (defaults: ReturnType<typeof configDefaults>): Promise<Checks> => {
  const [{ configSchema }, format] = await Promise.all([import("./schema.ts"), import("./format.ts")]);
  return { schema: configSchema(defaults), format };
};

const checkLayer = ({ schema, format }: Checks, layer: ConfigSource): void => {
  const result = schema.safeParse(layer.raw, { error: format.configErrorMap, reportInput: true });
  if (!result.success) throw new ConfigError({ file: layer.file, issues: format.configIssues(schema, result.error) });
};

/** `--config FILE`: the user's own choice, loaded whatever it holds (a global-only key too). */
const explicitLayer = async (file: string): Promise<{ readonly layer: ConfigSource }> => {
  const layer = await readLayer(file);
  // Only a package.json without our key loads as null.
  if (!layer) throw failure(file, [`has no "${MODULE}" key`]);
  return { layer };
};

/** The folder a project file belongs to: the one holding it, or holding its `.config/`. */
const projectDirOf = (file: string): string => (basename(dirname(file)) === ".config" ? dirname(dirname(file)) : dirname(file));

/**
 * The project file the search found, once it may apply: the only one in its folder, safely owned,
 * trusted as it is now (it and its plugin files), valid, and setting no global-only key. With
 * `bad: "skip"`, a file that fails any check after trust (or a conflict) is skipped, saying why.
 */
const projectLayer = async (
  files: ReadonlyArray<string>,
  where: { readonly trustFile: string; readonly home: string; readonly globalDir: string; readonly checks: () => Promise<Checks> },
  bad: "fail" | "skip",
): Promise<{ readonly layer: ConfigSource } | { readonly skipped: SkippedConfig } | undefined> => {
  const file = files[0];
  if (file === undefined) return undefined;
  const sha = () => { try { return sha256Of(file); } catch { return undefined; } };
  const invalid = (error: ConfigError) => {
    if (bad === "fail") throw error;
    const where = error.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");
    return { skipped: { file: error.file, reason: `it is not valid: ${where}`, fix: undefined, sha256: sha(), error } };
  };
  if (files.length > 1) return invalid(failure(file, [conflictText(files)]));
  const gate = gateProject(file, where.trustFile);
  if ("skipped" in gate) return gate;
  try {
    const layer = await readLayer(file);
    if (!layer) return undefined;
    checkLayer(await where.checks(), layer);
    const issues = globalOnlyIssues(layer.raw, where.globalDir);
    if (issues.length > 0) throw new ConfigError({ file, issues });
    // The plugin files a trusted project file names are checked before any of them is imported.
    const anchored = anchorPaths(layer, where.home);
    const pluginChange = judgePluginFiles(gate.trusted, pluginFilesOf(anchored.raw["plugins"], dirname(file), where.home));
    if (pluginChange) return { skipped: { file, reason: pluginChange, fix: trustCommand(projectDirOf(file)), sha256: sha() } };
    return { layer };
  } catch (cause) {
    if (cause instanceof ConfigError) return invalid(cause);
    throw cause;
  }
};

/** loadConfig as an Effect, for the CLI and the watchdog's reload. */
export const loadConfigEffect = (options: LoadConfigOptions): Effect.Effect<LoadedConfig, ConfigError> =>
  Effect.tryPromise({
    try: () => loadConfig(options),
    catch: (cause) => (cause instanceof ConfigError ? cause : readFailure(options.explicitFile ?? options.cwd, cause)),
  }).pipe(Effect.withSpan("loadConfig"));
