import * as Effect from "effect/Effect";
import type { Config } from "../config/schema.ts";
import { didYouMean } from "../core/didYouMean.ts";
import { ConfigError, type ConfigIssue } from "../core/errors.ts";
import { fn } from "../core/fn.ts";
import { type LoadedPlugins, loadPlugins, parseWith } from "./load.ts";
import { actionNames } from "./run.ts";

/** A loaded config as this check needs it: the merged config and the files it came from, global first. */
export interface ConfigToCheck {
  readonly config: Config;
  readonly files: ReadonlyArray<string>;
}

const errorText = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause));

/** Every action a policy names, checked against the loaded plugins: defined by one, with options its schema takes. */
export const actionIssues = (plugins: LoadedPlugins, policies: Config["policies"]): ConfigIssue[] => {
  const available = actionNames(plugins);
  return policies.flatMap((policy, i) => policy.do.flatMap((ref, j): ConfigIssue[] => {
    const [name, given] = typeof ref === "string" ? [ref, undefined] : ref;
    const at = `policies.${i}.do.${j}`;
    const owner = plugins.plugins.find((p) => p.plugin.actions !== undefined && Object.hasOwn(p.plugin.actions, name));
    if (!owner) {
      const guess = didYouMean(name, available);
      const hint = guess ? `did you mean "${guess}"?` : `no loaded plugin defines it; available: ${available.join(", ") || "none"}`;
      return [{ path: at, message: `policy "${policy.name}": unknown action "${name}" (${hint})` }];
    }
    const schema = owner.plugin.actionOptions?.[name];
    if (!schema) return [];
    return parseWith(schema, typeof ref === "string" ? at : `${at}.1`, given, `action "${name}"`).issues
      .map((issue) => ({ ...issue, message: `policy "${policy.name}", action "${name}": ${issue.message}` }));
  }));
};

/**
 * The one check every command that uses a config's plugins runs (config, doctor, start, resume,
 * watch, and the watchdog on each reload): the plugins resolve, import and validate, and every
 * action a policy names exists with options it accepts. A problem is a ConfigError at load time,
 * never a firing that fails.
 */
export const pluginsForConfig = fn("pluginsForConfig")(function* (loaded: ConfigToCheck) {
  const file = loaded.files.at(-1) ?? "the config";
  const plugins = yield* loadPlugins(loaded.config.plugins, { configFile: loaded.files.at(-1), timeoutMs: loaded.config.watchdog.pluginTimeout }).pipe(
    // A plugin module that throws while it loads is a config problem too, not a crash.
    Effect.catchDefect((cause) => Effect.fail(new ConfigError({ file, issues: [{ path: "plugins", message: errorText(cause) }], cause }))),
  );
  const issues = actionIssues(plugins, loaded.config.policies);
  if (issues.length > 0) return yield* new ConfigError({ file, issues });
  return plugins;
});
