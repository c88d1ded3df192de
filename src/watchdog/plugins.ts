import * as Effect from "effect/Effect";
import type { LoadedConfig } from "../config/load.ts";
import { pluginsForConfig } from "../hooks/forConfig.ts";
import type { LoadedPlugins } from "../hooks/host.ts";
import type { JobStoreService } from "../services/JobStore.ts";

/**
 * Each config's plugins, loaded once: when the config book reads the config (`accept`: a config
 * whose plugins do not load is a bad config like any other, and the last good one, with its
 * plugins, stays), and otherwise on first use (`pluginsFor`), whose failure is recorded once.
 */
export const pluginBook = (store: JobStoreService) => {
  const plugins = new WeakMap<LoadedConfig, LoadedPlugins | undefined>();
  const reportedPluginErrors = new Set<string>();
  const load = (config: LoadedConfig) =>
    pluginsForConfig(config).pipe(
      Effect.tap((loaded) => Effect.sync(() => plugins.set(config, loaded))),
    );
  const pluginsFor = (config: LoadedConfig) => Effect.gen(function* () {
    if (plugins.has(config)) return plugins.get(config);
    return yield* load(config).pipe(
      Effect.catchTag("ConfigError", (e) => Effect.gen(function* () {
        const text = `plugins in ${e.file}: ${e.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`;
        if (!reportedPluginErrors.has(text)) {
          reportedPluginErrors.add(text);
          yield* store.appendEvent({ kind: "config-error", message: text });
        }
        plugins.set(config, undefined);
        return undefined;
      })),
    );
  }).pipe(Effect.orElseSucceed(() => undefined));
  const accept = (config: LoadedConfig) =>
    load(config).pipe(
      Effect.as(undefined),
      Effect.catchTag("ConfigError", (e) => Effect.succeed(e)),
    );
  return { pluginsFor, accept };
};
