/** An isolated supervisor for one test: its own database, config dir, CODEX_HOME and state dir, and the stand-in codex. */
import { delimiter, join } from "node:path";
import type { ProcessKeeper } from "./procs.ts";

/** PATH without the `node` that `bun --bun` puts first: jobs run the npm launcher under the real node, as users' do. */
export const cleanPath = (process.env.PATH ?? "").split(delimiter).filter((p) => !p.includes("bun-node-")).join(delimiter);

export const worldEnv = (keeper: ProcessKeeper, root: string, codexBin: string, extra: Record<string, string> = {}): Record<string, string> => keeper.env({
  PATH: cleanPath,
  CODEX_SUPERVISOR_DB: join(root, "state", "supervisor.db"),
  CODEX_SUPERVISOR_CODEX: codexBin,
  CODEX_HOME: join(root, "codex-home"),
  XDG_CONFIG_HOME: join(root, "xdg-config"),
  XDG_STATE_HOME: join(root, "xdg-state"),
  ...extra,
});
