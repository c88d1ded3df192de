import * as Context from "effect/Context";
import * as Layer from "effect/Layer";
import type { SkippedConfig } from "../config/load.ts";
import type { Config } from "../config/schema.ts";
import type { PythonSettings } from "../core/python.ts";

/** The settings one command runs with: config files, environment and flags already merged. */
export interface SettingsShape {
  readonly codexBin: string;
  readonly codexArgs: ReadonlyArray<string>;
  readonly codexHome: string;
  readonly dbPath: string;
  readonly python: PythonSettings;
  readonly configFiles: ReadonlyArray<string>;
  /** The merged config itself, for what the fields above do not carry (plugins, their timeout). */
  readonly config: Config;
  /** The project's config file, found but not applied (untrusted, or not safely owned). */
  readonly skippedConfig?: SkippedConfig | undefined;
}

export class Settings extends Context.Service<Settings, SettingsShape>()("codex-supervisor/Settings") {
  static readonly layer = (settings: SettingsShape) => Layer.succeed(Settings, Settings.of(settings));
}
