/**
 * A stand-in `codex` for suites that need many jobs fast (the real one costs a second or
 * more per job). It has the real one's shape where the supervisor looks: a launcher
 * whose child is a native binary named `codex` that holds its rollout open under
 * $CODEX_HOME/sessions, so `start` records the native and the thread at once. It reads
 * its prompt to EOF as Codex does; `SLEEP n` in the prompt makes it run n seconds, and
 * with FAKE_CODEX_ECHO=<path> it first writes its prompt and argv there; an `IGNORE TERM` line makes
 * it and all it starts ignore SIGTERM (a kill then takes its whole grace). Its rollout
 * holds only the session record, so a job ends as `exited` (or `killed`).
 */
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const writeFakeCodex = (dir: string): string => {
  mkdirSync(join(dir, "native"), { recursive: true });
  // the "native binary": a bash named codex, so its process name and argv[0] read as Codex's
  copyFileSync("/bin/bash", join(dir, "native", "codex"));
  chmodSync(join(dir, "native", "codex"), 0o755);
  const bin = join(dir, "codex");
  writeFileSync(bin, [
    "#!/bin/bash",
    "prompt=$(cat)",
    `if [ -n "$FAKE_CODEX_ECHO" ]; then printf '%s' "$prompt" > "$FAKE_CODEX_ECHO.prompt"; printf '%s\\n' "$@" > "$FAKE_CODEX_ECHO.argv"; fi`,
    `secs=$(printf '%s' "$prompt" | sed -n 's/^SLEEP \\([0-9.]*\\).*/\\1/p' | head -1)`,
    `if printf '%s' "$prompt" | grep -qx 'IGNORE TERM'; then trap '' TERM; fi`,
    `thread=$(cat /proc/sys/kernel/random/uuid)`,
    `day="$CODEX_HOME/sessions/2026/01/01"; mkdir -p "$day"`,
    `rollout="$day/rollout-2026-01-01T00-00-00-$thread.jsonl"`,
    `printf '{"timestamp":"2026-01-01T00:00:00.000Z","type":"session_meta","payload":{"id":"%s","cwd":"%s","cli_version":"0.169.0","source":"exec"}}\\n' "$thread" "$PWD" > "$rollout"`,
    // the trailing `:` keeps bash from exec'ing sleep, so the process named codex lives on holding fd 3
    `"$(dirname "$0")/native/codex" -c 'exec 3>>"$1"; sleep "$2"; :' codex "$rollout" "\${secs:-0}" &`,
    "wait",
    "",
  ].join("\n"));
  chmodSync(bin, 0o755);
  return bin;
};
