import { afterAll, beforeAll } from "vitest";
import { createSandbox, type Sandbox } from "./harness.ts";

/** What a test's `codex exec` jobs run with: outside a git repository, with Codex's own sandbox off. */
export const EXEC_ARGS = ["--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"];

/**
 * The file's sandbox, made before its tests with a global config that gives `codex exec` EXEC_ARGS,
 * and cleaned up after them: `let sb: Sandbox; withExecSandbox((made) => (sb = made));`
 */
export const withExecSandbox = (take: (sb: Sandbox) => void): void => {
  let sb: Sandbox | undefined;
  beforeAll(() => {
    sb = createSandbox();
    sb.writeGlobalConfig({ codex: { args: EXEC_ARGS } });
    take(sb);
  });
  afterAll(async () => { await sb?.cleanup(); });
};
