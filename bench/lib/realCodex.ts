/** Real Codex (the pinned npm package) against the loopback model stand-in the tests use. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { codexConfigFor, type ModelServer, startModelServer } from "../../test/real/support/modelServer.ts";
import { type BenchContext, REPO } from "./context.ts";

export const REAL_CODEX_BIN = process.env.CODEX_SUPERVISOR_TEST_CODEX ?? join(REPO, "node_modules/.bin/codex");

export interface RealCodex {
  readonly env: Record<string, string>;
  readonly execArgs: ReadonlyArray<string>;
}

/** Wires the run's CODEX_HOME to a loopback model; undefined when the Codex package is not installed. */
export const setupRealCodex = (ctx: BenchContext): RealCodex | undefined => {
  if (!existsSync(REAL_CODEX_BIN)) return undefined;
  const model: ModelServer = startModelServer();
  ctx.onCleanup(() => model.stop());
  writeFileSync(join(ctx.codexHome, "config.toml"), codexConfigFor(model));
  return {
    env: { CODEX_SUPERVISOR_CODEX: REAL_CODEX_BIN, PYENV_REHASH_TIMEOUT: "2" },
    execArgs: ["--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"],
  };
};

/** argv of a process, or [] when it is gone. */
export const argvOf = (pid: number): string[] => {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return raw.replace(/\0$/, "").split("\0");
  } catch {
    return [];
  }
};
