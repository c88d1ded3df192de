/**
 * The options of `codex exec` (0.169's `codex exec --help`, and `--full-auto` and `-a` of earlier
 * releases), so that one given to `start` or `resume` before `--` is answered with where it goes.
 * Only a hint: whatever follows `--` reaches Codex untouched, listed here or not.
 */
export const CODEX_EXEC_OPTIONS: ReadonlySet<string> = new Set([
  "-c", "--config", "--enable", "--disable", "--strict-config", "-i", "--image", "-m", "--model", "--oss",
  "--local-provider", "-p", "--profile", "-s", "--sandbox", "--approve-for-me",
  "--dangerously-bypass-approvals-and-sandbox", "--dangerously-bypass-hook-trust", "-C", "--cd", "--worktree",
  "--add-dir", "--thread-source", "--cyber-access-program", "--skip-git-repo-check", "--trust", "--ephemeral",
  "--ignore-user-config", "--ignore-rules", "--output-schema", "--color", "--json", "-o",
  "--output-last-message", "--full-auto", "-a", "--ask-for-approval", "--last",
]);
