/**
 * `doctor`: checks what a job in a directory depends on — config, the codex binary, Codex's
 * history formats, the job database, the Python its tool commands get, the watchdog service —
 * and says how to fix each problem. Read-only: it creates, migrates and writes nothing.
 */
import { statSync } from "node:fs";
import { resolve } from "node:path";
import * as Cause from "effect/Cause";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import { loadConfigEffect, type LoadedConfig } from "../../config/load.ts";
import { processPathContext } from "../../config/paths.ts";
import { configDefaults, defaultConfig } from "../../config/defaults.ts";
import { resolveSettings } from "../../config/settings.ts";
import { loadPlugins } from "../../hooks/host.ts";
import { CodexHistory } from "../../services/CodexHistory.ts";
import { ServiceManager } from "../../services/ServiceManager.ts";
import { ConfigError } from "../../core/errors.ts";
import { type DoctorCheck, errorText, fail } from "./check.ts";
import { judgeCodexBinary, judgeCodexHome, judgeRollout, judgeStateDb, parseCodexVersion } from "./codex.ts";
import { planCgroups } from "../../services/cgroups/plan.ts";
import { judgeCgroups } from "./cgroup.ts";
import { judgeConfig } from "./config.ts";
import { databaseFacts, judgeDatabase } from "./database.ts";
import { codexHomeFacts, rolloutFacts, stateDbFacts } from "./history.ts";
import { judgePython } from "./python.ts";
import { pythonFacts } from "./pythonFacts.ts";
import { judgeService } from "./service.ts";
import { runBounded } from "./shell.ts";

export type { DoctorCheck, DoctorReport, DoctorStatus } from "./check.ts";
export { doctorReport } from "./check.ts";
export { renderDoctor } from "./render.ts";
export { LOGIN_SHELL_FIX } from "./python.ts";

export interface DoctorOptions {
  /** The directory a job would run in: its config, venv and shells are the ones checked. */
  readonly cwd: string;
  /** `--config FILE`: this file over the global one, instead of searching. */
  readonly configFile?: string | undefined;
  /** The caller's environment (default process.env): plain `codex exec` would inherit it. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /** How long one shell or `codex --version` may take (default 10 s): a slow profile must not hang doctor. */
  readonly timeoutMs?: number | undefined;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** A check that threw is a failed check saying so, never a crashed doctor. */
const guarded = <R>(id: string, title: string, check: Effect.Effect<DoctorCheck | ReadonlyArray<DoctorCheck>, never, R>) =>
  check.pipe(
    Effect.catchCause((cause) => Effect.succeed(fail({ id, title, detail: `doctor could not check this: ${Cause.pretty(cause).split("\n")[0] ?? ""}` }))),
    Effect.map((checks) => [checks].flat()),
  );

const isDirectory = (path: string) => statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;

/** Every check, in a fixed order; a failing one is reported, never thrown. */
export const runDoctor = (options: DoctorOptions): Effect.Effect<ReadonlyArray<DoctorCheck>> =>
  Effect.gen(function* () {
    const env = options.env ?? process.env;
    const cwd = resolve(options.cwd);
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!isDirectory(cwd)) return [fail({ id: "cwd", title: "directory", detail: `${cwd} is not a directory` }, "give --cwd a directory that exists")];

    const loaded = yield* loadConfigEffect({ cwd, explicitFile: options.configFile, env }).pipe(Effect.result);
    // With a broken config the other checks still run, on the defaults.
    const defaults: LoadedConfig = { config: defaultConfig(configDefaults(processPathContext(env))), files: [] };
    const config = loaded._tag === "Success" ? loaded.success : defaults;
    const settings = resolveSettings(config, env);
    const plugins = loaded._tag === "Success"
      ? yield* loadPlugins(settings.config.plugins, { configFile: settings.configFiles.at(-1), timeoutMs: settings.config.watchdog.pluginTimeout }).pipe(
        // A plugin module that throws while it loads is a config problem too, not a crashed doctor.
        Effect.catchDefect((cause) => Effect.fail(new ConfigError({
          file: settings.configFiles.at(-1) ?? "the plugin list", issues: [{ path: "plugins", message: errorText(cause) }], cause,
        }))),
        Effect.result,
      )
      : undefined;
    const configCheck = judgeConfig({
      cwd, files: config.files,
      error: loaded._tag === "Failure" ? loaded.failure : undefined,
      plugins: plugins?._tag === "Failure" ? plugins.failure : undefined,
      skipped: loaded._tag === "Success" ? loaded.success.skipped : undefined,
    });

    const codexBin = settings.codexBin;
    const binarySource = env.CODEX_SUPERVISOR_CODEX ? "env" as const : codexBin !== "codex" ? "config" as const : "default" as const;
    const resolvedBin = Bun.which(codexBin, { PATH: env.PATH ?? "", cwd }) ?? undefined;
    const homeFromConfig = resolve(defaults.config.codex.home) !== settings.codexHome ? settings.configFiles.at(-1) : undefined;

    // The history checks name the Codex version, so they follow `codex --version`.
    const codex = Effect.gen(function* () {
      const version = resolvedBin ? yield* runBounded([resolvedBin, "--version"], { cwd, env, timeoutMs }) : undefined;
      const codexVersion = version && version.exitCode === 0 ? parseCodexVersion(version.stdout) : undefined;
      const history = yield* guarded("codex.history", "Codex history", Effect.gen(function* () {
        const home = codexHomeFacts(settings.codexHome, homeFromConfig);
        const stateDb = stateDbFacts(settings.codexHome);
        const rollout = yield* rolloutFacts(settings.codexHome);
        return [judgeCodexHome(home), judgeStateDb(stateDb, codexVersion), judgeRollout(rollout, codexVersion)];
      }));
      return [judgeCodexBinary({ bin: codexBin, source: binarySource, configFile: settings.configFiles.at(-1), resolved: resolvedBin, version }), ...history];
    });

    // Everything that waits on a program (codex, the shells, systemctl) runs at once.
    const checks = yield* Effect.all([
      guarded("codex.binary", "codex binary", codex),
      guarded("database", "job database", Effect.sync(() => judgeDatabase(databaseFacts(settings.dbPath), process.getuid?.() ?? -1))),
      guarded("python.supervisor", "python for supervised jobs", pythonFacts({
        cwd, settings, env, timeoutMs, plugins: plugins?._tag === "Success" ? plugins.success : undefined,
      }).pipe(Effect.map(judgePython))),
      guarded("kill.cgroup", "kill guarantee", Effect.sync(() => judgeCgroups(planCgroups(env), settings.config.limits))),
      guarded("watchdog.service", "watchdog service", Effect.gen(function* () {
        const manager = yield* ServiceManager;
        return judgeService(yield* manager.status(process.platform === "darwin" ? "launchd" : "systemd", { codexBin, configFile: options.configFile }));
      })),
    ], { concurrency: "unbounded" });
    return [configCheck, ...checks.flat()];
  }).pipe(
    Effect.provide(Layer.mergeAll(CodexHistory.layer, ServiceManager.layer)),
    Effect.withSpan("runDoctor"),
  );
