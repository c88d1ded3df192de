import { JOIN_FAILED_EXIT } from "./cgroup.ts";
import { JOB_MARKER } from "./job.ts";

/**
 * The job's own files, in a folder of its own under the state dir: Codex's stdout and stderr
 * (the one place its reasons show: it writes them nowhere in ~/.codex), and `exit`, written by the
 * waiting parent once Codex has exited: its exit status, and by its mtime the moment of the end.
 */
export const JOB_FILES = { stdout: "stdout", stderr: "stderr", exit: "exit" } as const;

/** Past this many bytes an output file is cut to its last OUTPUT_KEEP_BYTES (`trimOutput`, the waiter's end). */
export const OUTPUT_CAP_BYTES = 512 * 1024;
export const OUTPUT_KEEP_BYTES = 256 * 1024;

/** Where the waiter's positional parameters put the job's folder, as seen in its argv: `sh -c SCRIPT sh DIR JOB …`. */
export const WAITER_DIR_ARG = 4;

export interface WaiterOptions {
  /**
   * Lines run first, in the shell the launch starts, before anything of the job is forked, so what
   * they set (a cgroup joined with `echo $$ > …/cgroup.procs`, limits) holds for Codex and everything
   * below it. `$1` is the job's folder, `$2` the job id.
   */
  readonly prelude?: ReadonlyArray<string>;
  /**
   * The waiter runs in a background subshell and the launching shell exits at once, so the job is
   * handed to init (or a subreaper) and is nobody's child: for long-lived callers (the MCP server).
   */
  readonly background?: boolean;
}

const q = (n: number) => String(n);

/**
 * The tiny shell that prints its PID and becomes Codex: `/bin/sh -c EXEC_SHELL sh CODEX ARGS…`.
 * First it runs the job's join line (CODEX_SUPERVISOR_JOIN: joining the job's cgroup), so Codex
 * and all it starts are in the group from their first instruction while the waiter stays out
 * of it (a kill of the group never takes the waiter before it records the end).
 */
const JOIN_VAR = "CODEX_SUPERVISOR_JOIN";
export const EXEC_SHELL =
  `if [ -n "$${JOIN_VAR}" ]; then eval "$${JOIN_VAR}" || exit ${JOIN_FAILED_EXIT}; fi; unset ${JOIN_VAR}; echo $$ >&4 && exec "$@" 4>&-`;

/** Codex's process before it has become Codex (it still runs the exec shell): a moment after the launch. */
export const isExecShell = (argv: ReadonlyArray<string>): boolean => argv[1] === "-c" && argv[2] === EXEC_SHELL;

/**
 * The shell text of the waiting parent: `/bin/sh -c TEXT sh DIR JOB_ID CODEX ARGS…`.
 *
 * It runs Codex in the foreground (a background command of a non-interactive shell would start
 * with SIGINT and SIGQUIT ignored), with the prompt on its stdin and its stdout/stderr appended to
 * the job's files, and learns Codex's PID from a tiny shell that prints its own `$$` and execs
 * Codex in place (same PID, same start time: the identity recorded is Codex's). It waits, then
 * writes the exit status (`128+N` for a signal) to a file whose mtime is the end, cuts an output
 * file over the cap to its tail, and only then names the status file `exit`.
 *
 * The waiter itself is not one of the job's processes: it carries no job marker (the marker is
 * set on Codex's command only) and is the parent of the job's roots, never below them, so no kill
 * signals it and no stray hunt claims it. It traps nothing (an ignored signal would be inherited
 * by Codex) and exits on its own a moment after Codex is gone.
 */
export const waiterScript = (options: WaiterOptions = {}): string => {
  const waiter = [
    // the exec'd shell prints its PID on fd 4 (to the supervisor), then becomes Codex without fd 4
    `${JOIN_VAR}=$join ${JOB_MARKER}=$j /bin/sh -c '${EXEC_SHELL}' sh "$@" <&3 3<&- >>"$d/${JOB_FILES.stdout}" 2>>"$d/${JOB_FILES.stderr}"`,
    "s=$?",
    "exec 3<&- 4>&-",
    // Codex is gone: what the waiter writes from here on is the user's alone
    "umask 077",
    // the status is written at once (its mtime is the end) and shown once the output is cut (a rename keeps the mtime)
    `echo "$s" >"$d/${JOB_FILES.exit}.new"`,
    `for f in "$d/${JOB_FILES.stdout}" "$d/${JOB_FILES.stderr}"; do`,
    `  if [ "$(wc -c <"$f")" -gt ${q(OUTPUT_CAP_BYTES)} ]; then tail -c ${q(OUTPUT_KEEP_BYTES)} "$f" >"$f.tail" && mv -f "$f.tail" "$f"; fi`,
    "done",
    `mv -f "$d/${JOB_FILES.exit}.new" "$d/${JOB_FILES.exit}"`,
  ];
  return [
    'd=$1 j=$2 join=$3',
    "shift 3",
    // fd 3: the prompt (a background subshell's stdin would be /dev/null); fd 4: where Codex's PID goes
    "exec 3<&0 4>&1 </dev/null >/dev/null",
    ...(options.prelude ?? []),
    ...(options.background ? ["(", ...waiter.map((l) => `  ${l}`), ") &"] : waiter),
  ].join("\n");
};

/**
 * The waiter's argv after the script: `sh DIR JOB_ID JOIN CODEX ARGS…` (see WAITER_DIR_ARG), JOIN the
 * shell line that puts Codex in the job's cgroup (empty: none).
 */
export const waiterArgs = (dir: string, jobId: string, bin: string, args: ReadonlyArray<string>, join = ""): string[] =>
  ["sh", dir, jobId, join, bin, ...args];
