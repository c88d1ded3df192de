import { homedir } from "node:os";
import { join } from "node:path";

/** The process facts a path depends on, passed in so the rules stay pure and testable. */
export interface PathContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly platform: NodeJS.Platform;
  readonly home: string;
}

const APP = "codex-supervisor";

// An empty variable counts as unset, as the XDG spec asks.
const fromEnv = (ctx: PathContext, name: string): string | undefined => ctx.env[name] || undefined;

const macSupportDir = (ctx: PathContext) => join(ctx.home, "Library", "Application Support", APP);

/** Where the global `config.ts` / `config.json` lives. */
export const userConfigDir = (ctx: PathContext): string =>
  ctx.platform === "darwin"
    ? macSupportDir(ctx)
    : join(fromEnv(ctx, "XDG_CONFIG_HOME") ?? join(ctx.home, ".config"), APP);

/** Where the supervisor keeps its own state (the job database). */
export const userStateDir = (ctx: PathContext): string =>
  ctx.platform === "darwin"
    ? macSupportDir(ctx)
    : join(fromEnv(ctx, "XDG_STATE_HOME") ?? join(ctx.home, ".local", "state"), APP);

/** `$CODEX_SUPERVISOR_DB`, else `<stateDir>/supervisor.db`. */
export const databasePath = (ctx: PathContext): string =>
  fromEnv(ctx, "CODEX_SUPERVISOR_DB") ?? join(userStateDir(ctx), "supervisor.db");

/** `$CODEX_HOME`, else `~/.codex`, as Codex itself decides. */
export const codexHome = (ctx: PathContext): string => fromEnv(ctx, "CODEX_HOME") ?? join(ctx.home, ".codex");

/** `$CODEX_SUPERVISOR_CODEX`, else `codex` looked up on PATH. */
export const codexBin = (ctx: PathContext): string => fromEnv(ctx, "CODEX_SUPERVISOR_CODEX") ?? "codex";

/** The context of this process. */
export const processPathContext = (env: PathContext["env"] = process.env): PathContext =>
  ({ env, platform: process.platform, home: homedir() });

export const currentUserConfigDir = (): string => userConfigDir(processPathContext());
export const currentUserStateDir = (): string => userStateDir(processPathContext());
export const currentDatabasePath = (): string => databasePath(processPathContext());
export const currentCodexHome = (): string => codexHome(processPathContext());
export const currentCodexBin = (): string => codexBin(processPathContext());
