import { resolve } from "node:path";
import type { SettingsShape } from "../services/Settings.ts";
import type { LoadedConfig } from "./load.ts";

/**
 * The settings a command runs with. CODEX_SUPERVISOR_DB and CODEX_SUPERVISOR_CODEX
 * name this program explicitly, so they win over config files; CODEX_HOME is
 * only a default that a config may change.
 */
export const resolveSettings = (loaded: LoadedConfig, env: Readonly<Record<string, string | undefined>>): SettingsShape => {
  const { config } = loaded;
  return {
    codexBin: env.CODEX_SUPERVISOR_CODEX || config.codex.bin,
    codexArgs: config.codex.args,
    codexHome: resolve(config.codex.home),
    dbPath: resolve(env.CODEX_SUPERVISOR_DB || config.database.path),
    python: config.python,
    configFiles: loaded.files,
    config,
    ...(loaded.skipped ? { skippedConfig: loaded.skipped } : {}),
  };
};
