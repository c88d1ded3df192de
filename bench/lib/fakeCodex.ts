/**
 * A Codex-shaped process tree without a model, cheap enough to run a hundred:
 *
 *   <dir>/bin/node <dir>/codex.js exec …      the npm launcher (bash, under the name `node`)
 *    └─ <dir>/bin/codex -c '…' exec …          the native binary (bash, under the name `codex`)
 *        └─ sleep                              each tool command, in a session of its own (setsid)
 *
 * `codex-supervisor start` launches it and `list`, `kill` and the watchdog treat it as
 * a real job: the launcher reads its prompt to EOF, the native holds a rollout open under
 * $CODEX_HOME/sessions (so the job gets its thread), and every process inherits the
 * job's marker. Both are bash so a job costs what three shells cost, not two Node runtimes.
 *
 * Knobs (environment): FAKE_CODEX_TOOLS (tool processes, default 1), FAKE_CODEX_STUBBORN=1
 * (every process ignores SIGTERM), FAKE_CODEX_NO_STDIN=1 (do not read stdin: under PM2).
 */
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface FakeCodex {
  /** What CODEX_SUPERVISOR_CODEX names: the launcher script. */
  readonly launcher: string;
  readonly dir: string;
}

const BASH = "/bin/bash";

const launcherScript = (dir: string, native: string) => `#!${dir}/bin/node
# A stand-in for Codex's npm launcher; see bench/lib/fakeCodex.ts.
if [ -z "$FAKE_CODEX_NO_STDIN" ]; then while IFS= read -r _line || [ -n "$_line" ]; do :; done; fi
[ -n "$FAKE_CODEX_STUBBORN" ] && trap '' TERM
"${dir}/bin/${native}" -c ". '${dir}/native.sh'" "$@" </dev/null &
native=$!
[ -n "$FAKE_CODEX_STUBBORN" ] || trap 'kill -TERM $native 2>/dev/null; exit 143' TERM
while kill -0 $native 2>/dev/null; do wait $native; done
`;

const nativeScript = () => `# The native Codex: opens its rollout, starts its tool commands, waits.
[ -n "$FAKE_CODEX_STUBBORN" ] && trap '' TERM
read -r id < /proc/sys/kernel/random/uuid
printf -v day '%(%Y/%m/%d)T' -1
printf -v stamp '%(%Y-%m-%dT%H-%M-%S)T' -1
printf -v now '%(%Y-%m-%dT%H:%M:%S)T' -1
dir="$CODEX_HOME/sessions/$day"
[ -d "$dir" ] || mkdir -p "$dir"
file="$dir/rollout-$stamp-$id.jsonl"
printf '{"timestamp":"%s.000Z","type":"session_meta","payload":{"id":"%s","timestamp":"%s.000Z","cwd":"%s","originator":"codex_exec","cli_version":"0.169.0","source":"exec","model_provider":"mock"}}\\n' "$now" "$id" "$now" "$PWD" > "$file"
exec 3>>"$file"
i=0
while [ $i -lt "\${FAKE_CODEX_TOOLS:-1}" ]; do
  if [ -n "$FAKE_CODEX_STUBBORN" ]; then
    setsid ${BASH} -c "trap '' TERM; exec sleep 86400" </dev/null >/dev/null 2>&1 &
  else
    setsid sleep 86400 </dev/null >/dev/null 2>&1 &
  fi
  i=$((i + 1))
done
while :; do wait; [ -n "$FAKE_CODEX_STUBBORN" ] || exit 0; done
`;

/**
 * Writes the fake into `dir`. `name` is what the programs are called: `codex` makes
 * them Codex to the supervisor; any other name gives the same tree under a name no
 * one takes for Codex (what PM2 manages in the comparisons, so neither side sees the other's).
 */
export const writeFakeCodex = (dir: string, name = "codex"): FakeCodex => {
  mkdirSync(join(dir, "bin"), { recursive: true });
  symlinkSync(BASH, join(dir, "bin", "node"));
  symlinkSync(BASH, join(dir, "bin", name));
  const launcher = join(dir, `${name}.js`);
  writeFileSync(launcher, launcherScript(dir, name));
  chmodSync(launcher, 0o755);
  writeFileSync(join(dir, "native.sh"), nativeScript());
  return { launcher, dir };
};
