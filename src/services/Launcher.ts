import { spawn } from "node:child_process";
import * as Context from "effect/Context";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import { CodexNotFound, LaunchError } from "../core/errors.ts";
import { JOIN_FAILED_EXIT } from "../core/cgroup.ts";
import type { LaunchSpec } from "../core/launch.ts";
import { fn } from "../core/fn.ts";

export interface LaunchOptions {
  /**
   * A shell line run first, in the very process that then execs Codex (its PID is `$$`): what must
   * hold before Codex forks anything, e.g. joining the job's cgroup (`joinLine`). If it fails, Codex
   * never starts and the launch exits with JOIN_FAILED_EXIT.
   */
  readonly prelude?: string | undefined;
}

/** The program and arguments that run `bin args` after the prelude, in the same process. */
const withPrelude = (bin: string, args: ReadonlyArray<string>, prelude: string | undefined): [string, string[]] =>
  prelude ? ["/bin/sh", ["-c", `${prelude} || exit ${JOIN_FAILED_EXIT}; exec "$@"`, "sh", bin, ...args]] : [bin, [...args]];

export interface Launched {
  readonly pid: number;
  /** The exit code if the launcher has already exited, checked without waiting. */
  readonly exitCode: () => number | null | undefined;
}

/**
 * Starts `codex exec` in its own session (setsid), so it outlives this process and
 * is never hit by our terminal's signals. The prompt is written to its stdin, which
 * is then closed: Codex reads to EOF, and nothing is left open to hang on.
 */
const direct = fn("Launcher.launch")(function* (spec: LaunchSpec, bin: string, options: LaunchOptions) {
  return yield* Effect.callback<Launched, LaunchError>((resume) => {
    const [program, args] = withPrelude(bin, spec.args, options.prelude);
    const child = spawn(program, args, { cwd: spec.cwd, env: spec.env, detached: true, stdio: ["pipe", "ignore", "ignore"] });
    let exitCode: number | null | undefined;
    child.once("exit", (code, signal) => { exitCode = code ?? (signal ? 128 : null); });
    child.once("error", (cause) => resume(Effect.fail(new LaunchError({ reason: `could not start ${bin}: ${cause.message}`, cause }))));
    child.once("spawn", () => {
      child.stdin!.on("error", () => {}); // Codex may exit before reading: that shows in its status, not here
      child.stdin!.end(spec.prompt, () => {
        child.unref();
        resume(Effect.succeed({ pid: child.pid!, exitCode: () => exitCode }));
      });
    });
  });
});

/**
 * The same, but through a shell that starts Codex in the background and exits at
 * once, so Codex is reparented to init right away. For long-lived callers (the MCP
 * server): otherwise a job stays our child, and inside the tree of whatever Codex
 * runs that server — a kill of that outer job would take the inner jobs with it.
 */
const reparented = fn("Launcher.launchReparented")(function* (spec: LaunchSpec, bin: string, options: LaunchOptions) {
  return yield* Effect.callback<Launched, LaunchError>((resume) => {
    // a background command of a non-interactive shell gets /dev/null as stdin unless told otherwise;
    // the prelude runs in the shell before it forks Codex, so Codex inherits what it set up
    const prelude = options.prelude ? `${options.prelude} || exit ${JOIN_FAILED_EXIT}; ` : "";
    const child = spawn("/bin/sh", ["-c", `${prelude}exec 3<&0; "$@" <&3 3<&- >/dev/null 2>&1 & echo $!`, "sh", bin, ...spec.args], {
      cwd: spec.cwd, env: spec.env, detached: true, stdio: ["pipe", "pipe", "ignore"],
    });
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => { out += chunk.toString(); });
    child.once("error", (cause) => resume(Effect.fail(new LaunchError({ reason: `could not start ${bin}: ${cause.message}`, cause }))));
    child.stdin!.on("error", () => {});
    child.stdin!.end(spec.prompt);
    child.once("close", () => {
      const pid = Number(out.trim());
      resume(Number.isInteger(pid) && pid > 1
        ? Effect.succeed({ pid, exitCode: () => undefined })
        : Effect.fail(new LaunchError({ reason: `could not start ${bin} in the background` })));
    });
  });
});

const make = (start: typeof direct) => Launcher.of({
  launch: fn("Launcher.launch")(function* (spec: LaunchSpec, options: LaunchOptions = {}) {
    const bin = Bun.which(spec.bin, { PATH: spec.env.PATH ?? "", cwd: spec.cwd });
    if (!bin) return yield* new CodexNotFound({ bin: spec.bin });
    return yield* start(spec, bin, options);
  }),
});

export class Launcher extends Context.Service<Launcher, {
  readonly launch: (spec: LaunchSpec, options?: LaunchOptions) => Effect.Effect<Launched, CodexNotFound | LaunchError>;
}>()("codex-supervisor/Launcher") {
  static readonly layer = Layer.sync(Launcher, () => make(direct));
  static readonly layerReparented = Layer.sync(Launcher, () => make(reparented));
}
