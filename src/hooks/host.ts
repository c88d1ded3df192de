/**
 * The plugin host: load plugins once per config, then one small runner per hook
 * kind. Every call is attributed, isolated and bounded by a timeout; failures
 * come back as values for the caller to record as events.
 */
export { HookTimeout, PluginError, pluginErrorText, UnknownAction, unknownActionText } from "./errors.ts";
export { DEFAULT_PLUGIN_TIMEOUT_MS, loadPlugins } from "./load.ts";
export type { LoadedPlugin, LoadedPlugins, LoadPluginsOptions } from "./load.ts";
export { actionNames, runAction, runBeforeLaunch, runOnJobEnd, runOnTick, sendReport } from "./run.ts";
export type { ActionOutcome, ActionRequest } from "./run.ts";
