import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync, realpathSync } from "node:fs";
import { homedir } from "node:os";
import { basename, delimiter, dirname, isAbsolute, join, resolve } from "node:path";
import * as Context from "effect/Context";
import * as Data from "effect/Data";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import {
  launchdActivity, launchdAgent, launchdAgentPath, launchdCommands, LAUNCHD_LABEL, launchdLogFile, launchdProgramArguments,
} from "../core/service/launchd.ts";
import { systemdActivity, systemdCommands, systemdExecArgv, systemdUnit, systemdUnitPath } from "../core/service/systemd.ts";
import { fn } from "../core/fn.ts";

export type ServiceKind = "systemd" | "launchd";

export class ServiceFileError extends Data.TaggedError("ServiceFileError")<{
  readonly path: string;
  readonly operation: "write" | "remove";
  readonly cause?: unknown;
}> {}

/** A command's outcome; exitCode null when it could not be started at all (e.g. not on PATH). */
export interface CommandResult { readonly exitCode: number | null; readonly output: string }

/** The installing process's facts, and how to run systemctl/launchctl: a test passes its own. */
export interface Host {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly home: string;
  readonly uid: number;
  /** What runs the CLI: bun, or the standalone executable itself. */
  readonly bun: string;
  /** The `codex-supervisor` command bun runs; undefined for the standalone executable. */
  readonly mainScript: string | undefined;
  readonly run: (command: ReadonlyArray<string>) => Promise<CommandResult>;
}

export interface ServiceFile {
  readonly kind: ServiceKind;
  readonly path: string;
  readonly contents: string;
  readonly warnings: ReadonlyArray<string>;
}

export interface StepResult extends CommandResult { readonly command: ReadonlyArray<string>; readonly ok: boolean }

/** The manager commands that ran; `manual` lists, from the first that failed on, what is left to run by hand. */
export interface Activation {
  readonly ok: boolean;
  readonly steps: ReadonlyArray<StepResult>;
  readonly failed: StepResult | null;
  readonly manual: ReadonlyArray<ReadonlyArray<string>>;
}

export interface ServiceState {
  readonly kind: ServiceKind;
  readonly path: string;
  readonly installed: boolean;
  /** Whether the installed file is what `install` would write now (null: not installed). */
  readonly upToDate: boolean | null;
  /** null: the service manager could not be asked. */
  readonly running: boolean | null;
  readonly detail: string;
  /** Files the installed service runs (its executable, script, config) that no longer exist. */
  readonly missing: ReadonlyArray<string>;
}

export interface InstallOptions { readonly codexBin: string; readonly configFile?: string | undefined }

interface Step { readonly command: ReadonlyArray<string>; readonly optional?: boolean }

const plans = (kind: ServiceKind, host: Host, path: string) =>
  kind === "systemd" ? systemdCommands : launchdCommands(host.uid, path);

/** The watchdog's command and the environment it needs, as this install sees them. */
export interface WatchdogSpec {
  readonly argv: ReadonlyArray<string>;
  readonly workingDirectory: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly warnings: ReadonlyArray<string>;
}

const CARRIED = ["CODEX_HOME", "CODEX_SUPERVISOR_DB", "CODEX_SUPERVISOR_CODEX", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"];

/**
 * A service starts with a bare PATH (launchd's is /usr/bin:/bin:/usr/sbin:/sbin), so the
 * installing PATH is carried over in its order, with the dirs of bun and codex added when
 * missing. Relative entries and `bun run`'s temporary node shim dirs would dangle: dropped.
 */
export const watchdogSpec = (host: Host, options: InstallOptions): WatchdogSpec => {
  const pathNow = host.env.PATH ?? "";
  const codex = options.codexBin.includes("/") ? resolve(options.codexBin) : Bun.which(options.codexBin, { PATH: pathNow });
  const dirs = [...pathNow.split(delimiter), dirname(host.bun), ...(codex ? [dirname(codex)] : [])]
    .filter((d) => isAbsolute(d) && !/[/\\]bun-node-[^/\\]*$/.test(d));
  const carried = CARRIED.flatMap((name) => (host.env[name] ? [[name, resolve(host.env[name])] as const] : []));
  return {
    argv: [host.bun, ...(host.mainScript === undefined ? [] : [host.mainScript]), "watch", ...(options.configFile ? ["--config", resolve(options.configFile)] : [])],
    workingDirectory: host.home,
    environment: Object.fromEntries([["PATH", [...new Set(dirs)].join(delimiter)], ...carried]),
    warnings: codex ? [] : [`codex ("${options.codexBin}") is not on PATH: the service will not find it either`],
  };
};

const runSteps = async (host: Host, steps: ReadonlyArray<Step>): Promise<Activation> => {
  const done: StepResult[] = [];
  for (const [i, step] of steps.entries()) {
    const result = await host.run(step.command);
    const ok = result.exitCode === 0;
    const outcome = { command: step.command, ok, ...result };
    done.push(outcome);
    if (!ok && !step.optional) return { ok: false, steps: done, failed: outcome, manual: steps.slice(i).map((s) => s.command) };
  }
  return { ok: true, steps: done, failed: null, manual: [] };
};

const readIfPresent = (path: string) => readFile(path, "utf8").catch(() => undefined);
const fileOperation = (path: string, operation: ServiceFileError["operation"], f: () => Promise<unknown>) =>
  Effect.tryPromise({ try: f, catch: (cause) => new ServiceFileError({ path, operation, cause }) });

const make = (host: Host) => {
  const pathOf = (kind: ServiceKind) => (kind === "systemd" ? systemdUnitPath(host.home, host.env) : launchdAgentPath(host.home));
  const generate = (kind: ServiceKind, options: InstallOptions): ServiceFile => {
    const { warnings, ...spec } = watchdogSpec(host, options);
    const contents = kind === "systemd"
      ? systemdUnit({ description: "codex-supervisor watchdog", ...spec })
      : launchdAgent({ label: LAUNCHD_LABEL, logFile: launchdLogFile(host.home), ...spec });
    return { kind, path: pathOf(kind), contents, warnings };
  };
  const run = (steps: ReadonlyArray<Step>) => Effect.promise(() => runSteps(host, steps));

  return ServiceManager.of({
    generate: (kind, options) => Effect.sync(() => generate(kind, options)),
    install: fn("ServiceManager.install")(function* (kind: ServiceKind, options: InstallOptions) {
      const file = generate(kind, options);
      yield* fileOperation(file.path, "write", async () => {
        await mkdir(dirname(file.path), { recursive: true });
        if (kind === "launchd") await mkdir(dirname(launchdLogFile(host.home)), { recursive: true }); // launchd will not
        await writeFile(file.path, file.contents, { mode: 0o644 });
      });
      return { file, activation: yield* run(plans(kind, host, file.path).install) };
    }),
    uninstall: fn("ServiceManager.uninstall")(function* (kind: ServiceKind) {
      const path = pathOf(kind);
      const plan = plans(kind, host, path);
      const existed = (yield* Effect.promise(() => readIfPresent(path))) !== undefined;
      // Stopping is still tried when there is no file (it may have been deleted while loaded),
      // but a failure to stop only counts when something was installed.
      const stopped = yield* run(existed ? plan.stop.map((s) => ({ command: s.command })) : plan.stop);
      yield* fileOperation(path, "remove", () => rm(path, { force: true }));
      const reloaded = yield* run(existed ? plan.afterRemove : []);
      const activation: Activation = {
        ok: stopped.ok && reloaded.ok,
        steps: [...stopped.steps, ...reloaded.steps],
        failed: stopped.failed ?? reloaded.failed,
        manual: [...stopped.manual, ...reloaded.manual],
      };
      return { kind, path, removed: existed, activation };
    }),
    status: fn("ServiceManager.status")(function* (kind: ServiceKind, options: InstallOptions) {
      const file = generate(kind, options);
      const installed = yield* Effect.promise(() => readIfPresent(file.path));
      const asked = yield* Effect.promise(() => host.run(plans(kind, host, file.path).status.command));
      const activity = asked.exitCode === null ? { running: null, detail: asked.output }
        : kind === "systemd" ? systemdActivity(asked.output) : launchdActivity(asked.exitCode, asked.output);
      const upToDate = installed === undefined ? null : installed === file.contents;
      const named = installed === undefined ? [] : kind === "systemd" ? systemdExecArgv(installed) : launchdProgramArguments(installed);
      const missing = named.filter((word) => isAbsolute(word) && !existsSync(word));
      return { kind, path: file.path, installed: installed !== undefined, upToDate, ...activity, missing } satisfies ServiceState;
    }),
  });
};

const runCommand = (env: Readonly<Record<string, string | undefined>>) => async (command: ReadonlyArray<string>): Promise<CommandResult> => {
  const [bin, ...args] = command;
  const path = bin === undefined ? null : Bun.which(bin, { PATH: env.PATH ?? "" });
  if (path === null) return { exitCode: null, output: `${bin} not found on PATH` };
  try {
    const child = Bun.spawn([path, ...args], { env: { ...env }, stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: 30_000 });
    const [out, err, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    return { exitCode, output: `${out}${err}`.trim() };
  } catch (cause) {
    return { exitCode: null, output: `could not run ${bin}: ${cause instanceof Error ? cause.message : String(cause)}` };
  }
};

const real = (p: string) => { try { return realpathSync(p); } catch { return p; } };

// A symlink on PATH (Homebrew's /opt/homebrew/bin/bun) survives upgrades; the versioned path behind it does not.
const stableBun = (): string => {
  const onPath = Bun.which("bun");
  return onPath && real(onPath) === real(process.execPath) ? onPath : process.versions.bun ? process.execPath : onPath ?? "bun";
};

declare const __CODEX_SUPERVISOR_LAUNCHER__: string | undefined;

/** The `codex-supervisor` command (bin/codex-supervisor.ts): the bundle is told where it is at build time. */
const launcherPath = (): string =>
  typeof __CODEX_SUPERVISOR_LAUNCHER__ === "string"
    ? __CODEX_SUPERVISOR_LAUNCHER__
    : resolve(import.meta.dirname, "../../bin/codex-supervisor.ts");

/** Run as the executable `bun build --compile` made: its modules live in Bun's embedded file system. */
export const isStandaloneExecutable = (main: string = Bun.main): boolean => main.startsWith("/$bunfs/") || /^[A-Z]:[\\/]~BUN[\\/]/.test(main);

const COMMAND = "codex-supervisor";

/**
 * Where a package manager links the command of a package installed at `launcher`:
 * node_modules/.bin for a local install, PREFIX/bin for `npm i -g` (PREFIX/lib/node_modules),
 * $BUN_INSTALL/bin for `bun add -g` ($BUN_INSTALL/install/global/node_modules).
 */
export const installLinks = (launcher: string): string[] => {
  const modules = dirname(dirname(dirname(launcher)));
  if (basename(modules) !== "node_modules") return [];
  return [join(modules, ".bin", COMMAND), join(modules, "..", "..", "bin", COMMAND), join(modules, "..", "..", "..", "bin", COMMAND)];
};

/**
 * What a service should name to run `target`: the command on PATH or a package manager's link
 * when it leads to `target` (it survives an upgrade that moves what is behind it), else `target`.
 */
export const stableCommand = (target: string, candidates: ReadonlyArray<string>, path = process.env.PATH ?? ""): string => {
  const wanted = real(target);
  const found = [Bun.which(COMMAND, { PATH: path }), ...candidates].find((c) => c && existsSync(c) && real(c) === wanted);
  return found ?? target;
};

const processHost = (): Host => ({
  env: process.env,
  home: homedir(),
  uid: process.getuid?.() ?? -1,
  bun: isStandaloneExecutable() ? stableCommand(process.execPath, []) : stableBun(),
  mainScript: isStandaloneExecutable() ? undefined : stableCommand(launcherPath(), installLinks(launcherPath())),
  run: runCommand(process.env),
});

/** Writes and removes the watchdog's systemd unit or launchd agent, and asks the service manager to (de)activate it. */
export class ServiceManager extends Context.Service<ServiceManager, {
  readonly generate: (kind: ServiceKind, options: InstallOptions) => Effect.Effect<ServiceFile>;
  readonly install: (kind: ServiceKind, options: InstallOptions) => Effect.Effect<{ file: ServiceFile; activation: Activation }, ServiceFileError>;
  readonly uninstall: (kind: ServiceKind) => Effect.Effect<{ kind: ServiceKind; path: string; removed: boolean; activation: Activation }, ServiceFileError>;
  readonly status: (kind: ServiceKind, options: InstallOptions) => Effect.Effect<ServiceState>;
}>()("codex-supervisor/ServiceManager") {
  static readonly layer = Layer.sync(ServiceManager, () => make(processHost()));
  /** Everything the real one does, on a host the test controls: its home, environment and command runner. */
  static readonly layerTest = (host: Host) => Layer.sync(ServiceManager, () => make(host));
}
