/**
 * Real processes for the suites that need the kernel. Everything started here is
 * tagged (an environment variable naming the run) and remembered by identity, so
 * clean-up ends exactly those processes — and never a later process that happens to
 * have been given a remembered PID.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { linuxBootId, readLinuxProcess } from "../../../src/services/proc/linux.ts";
import { identityOf, type ProcessIdentity } from "../../../src/core/process.ts";
import { kernel } from "../../../src/services/proc/signal.ts";
import { stillOwned } from "../../support/owned.ts";

export const TAG_VAR = "CS_ADVERSARIAL_TAG";

const environOf = (pid: number): string | undefined => {
  try { return readFileSync(`/proc/${pid}/environ`, "latin1"); } catch { return undefined; }
};

/** The identity of a live PID, read now. */
export const identityNow = (pid: number): ProcessIdentity | undefined => {
  const p = readLinuxProcess(pid);
  return p ? identityOf(p, linuxBootId()) : undefined;
};

/** Is this very process (PID and start time) still running, not a zombie? */
export const stillRunning = (identity: { readonly pid: number; readonly startTime: string }): boolean => stillOwned(identity);

/** PIDs of live, non-zombie processes whose environment carries `VAR=value`. */
export const pidsWithEnv = (name: string, value: string): number[] => {
  const needle = `${name}=${value}\0`;
  return readdirSync("/proc").filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid).map(Number).filter((pid) => {
    const env = environOf(pid);
    return env !== undefined && (env.startsWith(needle) || env.includes(`\0${needle}`)) && stillRunning(identityNow(pid) ?? { pid, startTime: "?" });
  });
};

/**
 * A set of processes a test owns: spawned through it, found by its tag, or adopted by
 * identity. `cleanup` SIGKILLs each one only while it is still that same process.
 */
export const processKeeper = (tag: string) => {
  const owned = new Map<string, ProcessIdentity>();
  const adopt = (identity: ProcessIdentity | undefined) => {
    if (identity) owned.set(`${identity.pid}:${identity.startTime}`, identity);
    return identity;
  };
  const sweep = () => { for (const pid of pidsWithEnv(TAG_VAR, tag)) adopt(identityNow(pid)); };
  return {
    tag,
    env: (extra: Record<string, string> = {}): Record<string, string> => ({ ...(process.env as Record<string, string>), [TAG_VAR]: tag, ...extra }),
    adopt,
    /** Starts argv in a session of its own (as the supervisor's Launcher does); returns its identity. */
    spawnDetached(argv: ReadonlyArray<string>, env: Record<string, string>): ProcessIdentity {
      const child = spawn(argv[0]!, argv.slice(1), { env: { ...env, [TAG_VAR]: tag }, detached: true, stdio: "ignore" });
      child.unref();
      const identity = identityNow(child.pid!);
      if (!identity) throw new Error(`${argv[0]} exited at once`);
      return adopt(identity)!;
    },
    /** Live processes carrying the tag right now. */
    live: (): number[] => pidsWithEnv(TAG_VAR, tag),
    /** Live tagged processes that belong to a launched job (they carry a job marker): what a failed start must not leave. */
    liveJobs: (): number[] => pidsWithEnv(TAG_VAR, tag).filter((pid) => environOf(pid)?.includes("CODEX_SUPERVISOR_JOB_ID=") ?? false),
    async cleanup(): Promise<void> {
      for (let round = 0; round < 20; round++) {
        sweep();
        const left = [...owned.values()].filter(stillRunning);
        if (left.length === 0) return;
        for (const identity of left) {
          if (stillRunning(identity)) { try { process.kill(identity.pid, "SIGKILL"); } catch { /* gone */ } }
        }
        await Bun.sleep(25);
      }
    },
  };
};

export type ProcessKeeper = ReturnType<typeof processKeeper>;

export interface KillRecord {
  readonly pid: number;
  readonly signal: string;
}

/**
 * Records every signal this worker sends (kill(2) or a pidfd) while `body` runs. With `dryRun` no
 * signal reaches the machine: for cases where a regression would otherwise signal init
 * or every process of a group.
 */
export const recordingKills = async <A>(dryRun: boolean, body: (kills: KillRecord[]) => Promise<A>): Promise<A> => {
  const kills: KillRecord[] = [];
  const original = process.kill;
  const pidfdSend = kernel.pidfdSend;
  process.kill = ((pid: number, signal?: string | number) => {
    kills.push({ pid, signal: String(signal ?? "SIGTERM") });
    return dryRun ? true : original.call(process, pid, signal);
  }) as typeof process.kill;
  // on Linux Signals sends through a pidfd: recorded (and held back) the same way
  kernel.pidfdSend = (fd, pid, signal) => {
    kills.push({ pid, signal });
    if (!dryRun) pidfdSend.call(kernel, fd, pid, signal);
  };
  try {
    return await body(kills);
  } finally {
    process.kill = original;
    kernel.pidfdSend = pidfdSend;
  }
};

/** Waits until `check` gives a value, or fails naming `what`. */
export const until = async <T>(what: string, check: () => T | undefined | false, timeoutMs = 10_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(20);
  }
};
