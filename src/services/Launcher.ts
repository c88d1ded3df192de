import { spawn } from "node:child_process";
import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import { CodexNotFound, LaunchError } from "../core/errors.ts";
import { JOB_MARKER } from "../core/job.ts";
import type { LaunchSpec } from "../core/launch.ts";
import { waiterArgs, type WaiterOptions, waiterScript } from "../core/waiter.ts";
import { fn } from "../core/fn.ts";
import { prepareJobFiles } from "./jobFiles.ts";

export interface LaunchOptions {
  /**
   * A shell line run first, in the very process that then execs Codex (its PID is `$$`): what must
   * hold before Codex forks anything, e.g. joining the job's cgroup (`joinLine`). If it fails, Codex
   * never starts (the launch fails, its status JOIN_FAILED_EXIT).
   */
  readonly join?: string | undefined;
}

export interface Launched {
  /** Codex's PID (the npm launcher's, or the native binary's when that is what `bin` names). */
  readonly pid: number;
}

/**
 * Starts Codex under its waiting parent (src/core/waiter.ts) in a session of its own (setsid), so
 * it outlives this process and is never hit by our terminal's signals. The prompt is written to
 * its stdin, which is then closed: Codex reads to EOF, and nothing is left open to hang on. Codex's
 * stdout and stderr go to the job's files in `filesDir`; the waiter writes its exit status there.
 * Returns once Codex's PID is known and the prompt is handed over.
 */
const launchWaiter = (options: WaiterOptions) => fn("Launcher.launch")(function* (spec: LaunchSpec, bin: string, filesDir: string, launch: LaunchOptions) {
  yield* Effect.try({
    try: () => prepareJobFiles(filesDir),
    catch: (cause) => new LaunchError({ reason: `could not make the job's folder ${filesDir}: ${String(cause)}`, cause }),
  });
  // the marker goes on Codex's command alone: the waiter must never pass for one of the job's processes
  const { [JOB_MARKER]: _marker, ...env } = spec.env;
  return yield* Effect.callback<Launched, LaunchError>((resume) => {
    const child = spawn("/bin/sh", ["-c", waiterScript(options), ...waiterArgs(filesDir, spec.jobId, bin, spec.args, launch.join)], {
      cwd: spec.cwd, env, detached: true, stdio: ["pipe", "pipe", "ignore"],
    });
    let out = "";
    let pid: number | undefined;
    let handedOver = false;
    let done = false;
    const finish = (result: Effect.Effect<Launched, LaunchError>) => {
      if (done) return;
      done = true;
      child.stdout!.destroy();
      child.unref();
      resume(result);
    };
    const settle = () => { if (pid !== undefined && handedOver) finish(Effect.succeed({ pid })); };
    child.once("error", (cause) => finish(Effect.fail(new LaunchError({ reason: `could not start ${bin}: ${cause.message}`, cause }))));
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.indexOf("\n");
      if (line < 0 || pid !== undefined) return;
      const n = Number(out.slice(0, line));
      if (!Number.isInteger(n) || n <= 1) return finish(Effect.fail(new LaunchError({ reason: `could not start ${bin}: the waiter said "${out.slice(0, line)}"` })));
      pid = n;
      settle();
    });
    // no PID and the pipe closed: the shell could not start Codex at all
    child.stdout!.once("end", () => { if (pid === undefined) finish(Effect.fail(new LaunchError({
      reason: launch.join ? `could not start ${bin}: the shell before it could not join the job's cgroup, or could not run` : `could not start ${bin} under /bin/sh`,
    }))); });
    // Codex may exit before reading it all: that shows in its exit status and stderr, not here
    child.stdin!.on("error", () => { handedOver = true; settle(); });
    child.stdin!.end(spec.prompt, () => { handedOver = true; settle(); });
  });
});

const make = (options: WaiterOptions) => {
  const start = launchWaiter(options);
  return Launcher.of({
    launch: fn("Launcher.launch")(function* (spec: LaunchSpec, filesDir: string, launch: LaunchOptions = {}) {
      const bin = Bun.which(spec.bin, { PATH: spec.env.PATH ?? "", cwd: spec.cwd });
      if (!bin) return yield* new CodexNotFound({ bin: spec.bin });
      return yield* start(spec, bin, filesDir, launch);
    }),
  });
};

export class Launcher extends Context.Service<Launcher, {
  /** Launches the job; its stdout, stderr and exit status go to `filesDir`. */
  readonly launch: (spec: LaunchSpec, filesDir: string, options?: LaunchOptions) => Effect.Effect<Launched, CodexNotFound | LaunchError>;
}>()("codex-supervisor/Launcher") {
  static readonly layer = Layer.sync(Launcher, () => make({}));
  /**
   * The same, but the launching shell exits at once, so the waiter and Codex are handed to init
   * right away. For long-lived callers (the MCP server): otherwise a job stays our child, and
   * inside the tree of whatever Codex runs that server — a kill of that outer job would take the
   * inner jobs with it.
   */
  static readonly layerReparented = Layer.sync(Launcher, () => make({ background: true }));
}
