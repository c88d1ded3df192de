import { spawn } from "node:child_process";
import * as Effect from "effect/Effect";

export interface Bounded {
  /** null when it was killed (timed out) or could not start. */
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  /** Set when the program could not be started at all. */
  readonly error?: string;
}

export interface BoundedOptions {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly timeoutMs: number;
}

const OUTPUT_CAP = 64 * 1024;
const KILL_GRACE_MS = 500;

/**
 * Runs a program in a session of its own and gives up after `timeoutMs`, ending its whole
 * process group: a slow login profile (pyenv rehashing, a network mount) must not hang doctor,
 * and a child it left behind must not keep the pipes open. SIGTERM first, so a profile's EXIT
 * traps still run (pyenv's rehash lock, left behind, would stall every later login shell),
 * then SIGKILL after a short grace.
 */
export const runBounded = (argv: ReadonlyArray<string>, options: BoundedOptions): Effect.Effect<Bounded> =>
  Effect.callback<Bounded>((resume) => {
    const [bin, ...args] = argv;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let settled = false;
    const text = (chunks: Buffer[]) => Buffer.concat(chunks).toString("utf8");
    const child = spawn(bin ?? "", args, {
      cwd: options.cwd, env: { ...options.env }, detached: true, stdio: ["ignore", "pipe", "pipe"],
    });
    const signalGroup = (signal: NodeJS.Signals) => {
      try { if (child.pid) process.kill(-child.pid, signal); } catch { /* already gone */ }
    };
    let timedOut = false;
    let grace: ReturnType<typeof setTimeout> | undefined;
    const finish = (result: Bounded) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(grace);
      resume(Effect.succeed(result));
    };
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      if (size >= OUTPUT_CAP) return;
      size += chunk.length;
      into.push(chunk);
    };
    child.stdout.on("data", collect(out));
    child.stderr.on("data", collect(err));
    const timer = setTimeout(() => {
      timedOut = true;
      signalGroup("SIGTERM");
      grace = setTimeout(() => {
        signalGroup("SIGKILL");
        finish({ exitCode: null, stdout: text(out), stderr: text(err), timedOut });
      }, KILL_GRACE_MS);
    }, options.timeoutMs);
    child.once("error", (cause) => finish({ exitCode: null, stdout: "", stderr: "", timedOut: false, error: cause.message }));
    // "close", not "exit": the output is complete only once both pipes are closed.
    child.once("close", (code) => finish({ exitCode: timedOut ? null : code, stdout: text(out), stderr: text(err), timedOut }));
    return Effect.sync(() => {
      clearTimeout(timer);
      clearTimeout(grace);
      signalGroup("SIGKILL");
    });
  });
