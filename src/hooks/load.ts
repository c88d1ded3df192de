import { dirname } from "node:path";
import * as Effect from "effect/Effect";
import { z } from "zod";
import { configIssues, issuePath, typeName } from "../config/format.ts";
import type { PluginRef } from "../config/policies.ts";
import { ConfigError, type ConfigIssue } from "../core/errors.ts";
import { BUILTIN_NAMES, importBuiltin } from "./builtins.ts";
import { type Candidate, resolveRef } from "./resolve.ts";
import type { OptionsSchema, Plugin } from "./types.ts";
import { isPlugin, pluginProblems } from "./validate.ts";
import { fn } from "../core/fn.ts";

/** A plugin ready to run: validated, its options parsed by its own schema. */
export interface LoadedPlugin {
  readonly plugin: Plugin;
  readonly options: Record<string, unknown>;
  /** A built-in's name, the module's path, or "config" for an object given in a TS config. */
  readonly source: string;
}

/** The plugins one config asks for, the built-ins always among them. */
export interface LoadedPlugins {
  /** In run order: "pre", then those without an order, then "post"; config order within each. */
  readonly plugins: ReadonlyArray<LoadedPlugin>;
  /** How long one hook call may take, ms (`watchdog.pluginTimeout`). */
  readonly timeoutMs: number;
}

export interface LoadPluginsOptions {
  /** Relative module paths resolve from here; default: the config file's directory, else the cwd. */
  readonly configDir?: string | undefined;
  /** The file the list came from, named in errors. */
  readonly configFile?: string | undefined;
  /** Default 10 s. */
  readonly timeoutMs?: number | undefined;
}

export const DEFAULT_PLUGIN_TIMEOUT_MS = 10_000;

const RANK = { pre: 0, none: 1, post: 2 } as const;
const rank = (plugin: Plugin) => RANK[plugin.order ?? "none"];

const isEmptyObject = (value: unknown) => value === undefined || (typeof value === "object" && value !== null && Object.keys(value).length === 0);

/**
 * Options checked by a plugin's schema (its own options, or one action's), or one issue per
 * problem at `at`; `who` names whose options they are (`plugin "kill"`, `action "kill"`).
 */
export const parseWith = (schema: OptionsSchema<unknown>, at: string, given: unknown, who: string): { options?: Record<string, unknown>; issues: ConfigIssue[] } => {
  let result: ReturnType<typeof schema.safeParse>;
  try { result = schema.safeParse(given ?? {}); } catch (cause) {
    return { issues: [{ path: at, message: `${who}: its options schema threw: ${cause instanceof Error ? cause.message : String(cause)}` }] };
  }
  if (result.success) {
    const options = result.data;
    if (typeof options === "object" && options !== null) return { options: options as Record<string, unknown>, issues: [] };
    return { issues: [{ path: at, message: `${who}: its options schema produced ${typeName(options)}, expected an object` }] };
  }
  // A zod schema from our own zod gets the config's wording, with "did you mean" for unknown keys.
  const error = result.error;
  const issues = schema instanceof z.core.$ZodType && error instanceof z.core.$ZodError
    ? configIssues(schema, error)
    : error.issues.map((issue) => ({ path: issuePath(issue.path), message: issue.message }));
  return { issues: issues.map((issue) => ({ path: [at, issue.path].filter(Boolean).join("."), message: issue.message })) };
};

const parseOptions = (plugin: Plugin, at: string, given: unknown): { options?: Record<string, unknown>; issues: ConfigIssue[] } => {
  if (!plugin.options) {
    return isEmptyObject(given) ? { options: {}, issues: [] } : { issues: [{ path: at, message: `plugin "${plugin.name}" takes no options` }] };
  }
  return parseWith(plugin.options, at, given, `plugin "${plugin.name}"`);
};

/** Validates candidates into run order, or lists every problem: shapes, options, duplicate names and actions. */
export const assemble = (candidates: ReadonlyArray<Candidate>): { plugins: LoadedPlugin[]; issues: ConfigIssue[] } => {
  const issues: ConfigIssue[] = [];
  const plugins: Array<LoadedPlugin & { readonly at: string }> = [];
  const names = new Map<string, string>();
  const actions = new Map<string, string>();
  for (const candidate of candidates) {
    const at = candidate.at ?? "plugins";
    const { value } = candidate;
    if (!isPlugin(value)) {
      const label = candidate.source === "config" ? "plugin" : `plugin ${candidate.source}`;
      issues.push(...pluginProblems(value).map((message) => ({ path: at, message: `${label}: ${message}` })));
      continue;
    }
    const seen = names.get(value.name);
    if (seen !== undefined) {
      issues.push({ path: at, message: `plugin "${value.name}" is listed twice (also ${seen})` });
      continue;
    }
    names.set(value.name, candidate.at ? `at ${candidate.at}` : "as a built-in");
    for (const action of Object.keys(value.actions ?? {})) {
      const owner = actions.get(action);
      if (owner !== undefined) issues.push({ path: at, message: `action "${action}" is defined by both plugin "${owner}" and plugin "${value.name}"` });
      else actions.set(action, value.name);
    }
    const parsed = parseOptions(value, at, candidate.options);
    issues.push(...parsed.issues);
    if (parsed.options) plugins.push({ plugin: value, options: parsed.options, source: candidate.source, at });
  }
  // Array.prototype.sort is stable: config order survives within each rank.
  const ordered = plugins.sort((a, b) => rank(a.plugin) - rank(b.plugin)).map(({ plugin, options, source }) => ({ plugin, options, source }));
  return { plugins: ordered, issues };
};

const builtinCandidate = (name: (typeof BUILTIN_NAMES)[number]) =>
  Effect.promise(() => importBuiltin(name)).pipe(
    Effect.map((value): Candidate => ({ at: undefined, value, options: undefined, source: name, builtin: true })),
  );

/**
 * Resolves, imports and validates the config's plugins, the built-ins always
 * included (a config entry with a built-in's name only gives its options), so
 * a problem shows when the config loads, not on a hook's first call.
 */
export const loadPlugins = fn("loadPlugins")(function* (refs: ReadonlyArray<PluginRef>, options: LoadPluginsOptions = {}) {
  const configDir = options.configDir ?? (options.configFile ? dirname(options.configFile) : process.cwd());
  const resolved = yield* Effect.forEach(refs, (ref, i) => Effect.promise(() => resolveRef(ref, `plugins.${i}`, configDir)));
  const issues: ConfigIssue[] = [];
  const listed: Candidate[] = [];
  resolved.forEach((r, i) => {
    if ("candidate" in r) listed.push(r.candidate);
    else issues.push({ path: `plugins.${i}`, message: r.problem });
  });
  const missing = BUILTIN_NAMES.filter((name) => !listed.some((c) => c.builtin && c.source === name));
  const builtins = yield* Effect.forEach(missing, builtinCandidate);
  const assembled = assemble([...builtins, ...listed]);
  issues.push(...assembled.issues);
  if (issues.length > 0) return yield* new ConfigError({ file: options.configFile ?? "the plugin list", issues });
  return { plugins: assembled.plugins, timeoutMs: options.timeoutMs ?? DEFAULT_PLUGIN_TIMEOUT_MS } satisfies LoadedPlugins;
});
