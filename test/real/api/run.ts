import { isAlive } from "../support/harness.ts";

export interface AppRun {
  readonly code: number | null;
  /** Whether the test had to kill it: it did not exit on its own within the deadline. */
  readonly killed: boolean;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs an app and waits for it to exit on its own; past `deadlineMs` it is killed and says so. */
export const runApp = async (argv: ReadonlyArray<string>, cwd: string, env: Record<string, string>, deadlineMs: number): Promise<AppRun> => {
  const began = performance.now();
  const proc = Bun.spawn([...argv], { cwd, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  let killed = false;
  const timer = setTimeout(() => { killed = true; if (isAlive(proc.pid)) proc.kill("SIGKILL"); }, deadlineMs);
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  return { code, killed, stdout, stderr, ms: performance.now() - began };
};

/** The app's one JSON line (its last line of output). */
export const reportOf = <T>(run: AppRun): T => {
  const line = run.stdout.trim().split("\n").at(-1) ?? "";
  try { return JSON.parse(line) as T; } catch { throw new Error(`the app printed no report (exit ${run.code}, killed ${run.killed}):\n${run.stdout}\n${run.stderr}`); }
};
