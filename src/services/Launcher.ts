import { spawn } from "node:child_process";
import { Context, Effect, Layer } from "effect";
import { CodexNotFound, LaunchError } from "../core/errors.ts";
import type { LaunchSpec } from "../core/launch.ts";

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
export class Launcher extends Context.Service<Launcher, {
  readonly launch: (spec: LaunchSpec) => Effect.Effect<Launched, CodexNotFound | LaunchError>;
}>()("codex-supervisor/Launcher") {
  static readonly layer = Layer.succeed(Launcher, Launcher.of({
    launch: Effect.fn("Launcher.launch")(function* (spec: LaunchSpec) {
      const bin = Bun.which(spec.bin, { PATH: spec.env.PATH ?? "", cwd: spec.cwd });
      if (!bin) return yield* new CodexNotFound({ bin: spec.bin });
      return yield* Effect.callback<Launched, LaunchError>((resume) => {
        const child = spawn(bin, [...spec.args], {
          cwd: spec.cwd,
          env: spec.env,
          detached: true,
          stdio: ["pipe", "ignore", "ignore"],
        });
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
    }),
  }));
}
