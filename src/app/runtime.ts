import * as Cause from "effect/Cause";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import * as Layer from "effect/Layer";
import { loadConfigEffect, type SkippedConfig } from "../config/load.ts";
import { resolveSettings } from "../config/settings.ts";
import { skippedText } from "../config/trust.ts";
import { Cgroups } from "../services/Cgroups.ts";
import { CodexHistory } from "../services/CodexHistory.ts";
import { JobStore } from "../services/JobStore.ts";
import { Launcher } from "../services/Launcher.ts";
import { ProcessTable } from "../services/ProcessTable.ts";
import { Settings, type SettingsShape } from "../services/Settings.ts";
import { Signals } from "../services/Signals.ts";
import { Usage } from "../services/Usage.ts";
import { describe, EXIT, type KnownError } from "./text/messages.ts";
import { oneLine } from "./text/terminal.ts";
import { stderr } from "./output.ts";
import { reportFailure } from "./failure.ts";

export interface RunOptions {
  /** The directory whose config applies (the job's cwd for `start`). */
  readonly cwd: string;
  readonly configFile?: string | undefined;
  /** Long-lived callers (the MCP server) hand jobs to init at once rather than parenting them. */
  readonly reparentJobs?: boolean | undefined;
  /** Told when the directory's project config was found and not applied (the command goes on with the global one). */
  readonly onSkippedConfig?: ((skipped: SkippedConfig) => void) | undefined;
}

/** What a CLI command says, once, when the project's config is not applied. */
export const noticeSkippedConfig = (skipped: SkippedConfig): void => {
  stderr.write(`codex-supervisor: ${oneLine(skippedText(skipped))}; going on with the global config\n`);
};

/** Everything a command may use, built on the settings for its directory. */
export const appLayer = (settings: SettingsShape, options: { readonly reparentJobs?: boolean | undefined } = {}) => {
  const table = ProcessTable.layer;
  return Layer.mergeAll(
    Settings.layer(settings),
    JobStore.layer(settings.dbPath),
    table,
    Signals.layer.pipe(Layer.provide(table)),
    options.reparentJobs ? Launcher.layerReparented : Launcher.layer,
    Usage.layer,
    CodexHistory.layer,
    Cgroups.layer,
  );
};

export type AppServices = Layer.Success<ReturnType<typeof appLayer>>;

export const loadSettings = (options: RunOptions) =>
  loadConfigEffect({ cwd: options.cwd, explicitFile: options.configFile }).pipe(
    Effect.map((loaded) => resolveSettings(loaded, process.env)),
  );

export const isKnown = (e: unknown): e is KnownError =>
  typeof e === "object" && e !== null && "_tag" in e && typeof (e as { _tag: unknown })._tag === "string";

/**
 * Runs a program on the settings for a directory: the one way every door (CLI, MCP) runs the core.
 * With the tracer off: each span (Effect.withSpan, and each fn(name) call under
 * CODEX_SUPERVISOR_TRACE=1, see src/core/fn.ts) would otherwise be built for an exporter nobody
 * runs; when every named function was traced that was 8% of a 50-process kill's CPU
 * (`makeSpanUnsafe` in `bun --cpu-prof-md`). Names and stack frames in errors do not depend on it.
 */
export const runApp = <A>(
  options: RunOptions,
  program: Effect.Effect<A, KnownError, AppServices>,
  signal?: AbortSignal,
): Promise<Exit.Exit<A, KnownError>> =>
  Effect.runPromiseExit(
    Effect.gen(function* () {
      const settings = yield* loadSettings(options);
      if (settings.skippedConfig) options.onSkippedConfig?.(settings.skippedConfig);
      return yield* program.pipe(Effect.provide(appLayer(settings, options)));
    }).pipe(Effect.withTracerEnabled(false)),
    { signal },
  );

/** Runs a command's program; prints a known failure as one clear message and returns the exit code. */
export const runProgram = async <A>(
  options: RunOptions,
  program: Effect.Effect<A, KnownError, AppServices>,
  onSuccess: (value: A) => number | void,
  /** Aborting interrupts the program (its finalizers run); that counts as a clean stop. */
  signal?: AbortSignal,
): Promise<number> => {
  const exit = await runApp({ onSkippedConfig: noticeSkippedConfig, ...options }, program, signal);
  if (Exit.isSuccess(exit)) return onSuccess(exit.value) ?? EXIT.ok;
  if (signal?.aborted && Cause.hasInterruptsOnly(exit.cause)) return EXIT.ok;
  const failure = Cause.findErrorOption(exit.cause);
  if (failure._tag === "Some" && isKnown(failure.value)) {
    const { message, exitCode } = describe(failure.value);
    reportFailure(failure.value._tag, message);
    return exitCode;
  }
  reportFailure("InternalError", `internal error:\n${Cause.pretty(exit.cause)}`);
  return EXIT.failed;
};
