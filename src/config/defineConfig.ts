import type { UserConfig } from "./schema.ts";

export type { Config, UserConfig } from "./schema.ts";

/** Types a config file's default export; returns it unchanged. */
export const defineConfig = (config: UserConfig): UserConfig => config;
