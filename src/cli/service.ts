import * as Cause from "effect/Cause";
import * as Effect from "effect/Effect";
import * as Exit from "effect/Exit";
import { homedir } from "node:os";
import { UsageError } from "../core/errors.ts";
import { type Activation, type ServiceFileError, type ServiceKind, ServiceManager } from "../services/ServiceManager.ts";
import { COMMON_OPTIONS } from "./args.ts";
import { type Command, print, printJson } from "./command.ts";
import { describe, EXIT } from "../app/text/messages.ts";
import { loadSettings } from "../app/runtime.ts";
import { stderr, stdout } from "../app/output.ts";
import { reportFailure } from "../app/failure.ts";

const ACTIONS = ["install", "uninstall", "status"] as const;
const defaultKind = (platform: NodeJS.Platform): ServiceKind => (platform === "darwin" ? "launchd" : "systemd");
type Action = (typeof ACTIONS)[number];

const shellWord = (w: string) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replaceAll("'", `'\\''`)}'`);
const shellLine = (command: ReadonlyArray<string>) => command.map(shellWord).join(" ");

const warn = (text: string) => stderr.write(`codex-supervisor: warning: ${text}\n`);

// Why the manager could not be asked, in the words a user can act on.
const managerTrouble = (kind: ServiceKind, output: string): string =>
  /not found on PATH/.test(output) ? `${kind === "systemd" ? "systemctl" : "launchctl"} is not available here`
    : /bus|XDG_RUNTIME_DIR|No medium/i.test(output)
      ? "no systemd user manager is reachable (usual in containers, CI and ssh sessions without a login)"
      : output.split("\n")[0] ?? "";

/** Says what failed and the commands that finish the job by hand. */
const reportUnfinished = (kind: ServiceKind, what: string, activation: Activation) => {
  const { failed } = activation;
  if (failed) warn(`${what}: \`${shellLine(failed.command)}\` failed: ${managerTrouble(kind, failed.output)}`);
  stderr.write(`to finish by hand, as this user${kind === "systemd" ? " in a login session" : ""}:\n`);
  for (const command of activation.manual) stderr.write(`  ${shellLine(command)}\n`);
};

const stepsJson = (a: Activation) => ({
  steps: a.steps.map((s) => ({ command: s.command, ok: s.ok, exitCode: s.exitCode, output: s.output })),
  manual: a.manual.map(shellLine),
});

const program = (action: Action, kind: ServiceKind, json: boolean, dryRun: boolean, configFile: string | undefined) =>
  Effect.gen(function* () {
    const manager = yield* ServiceManager;
    if (action === "uninstall") {
      const r = yield* manager.uninstall(kind);
      if (json) return printJson({ action, kind, path: r.path, removed: r.removed, deactivated: r.activation.ok, ...stepsJson(r.activation) }), EXIT.ok;
      print(r.removed ? `removed ${r.path}` : `nothing was installed at ${r.path}`);
      if (!r.activation.ok) reportUnfinished(kind, "the service may still be loaded", r.activation);
      return EXIT.ok;
    }
    const settings = yield* loadSettings({ cwd: homedir(), configFile });
    const options = { codexBin: settings.codexBin, configFile };
    if (action === "status") {
      const s = yield* manager.status(kind, options);
      if (json) return printJson({ action, ...s }), s.running ? EXIT.ok : EXIT.failed;
      print(`${s.path}: ${s.installed ? `installed${s.upToDate ? "" : ", differs from what install would write now (run install again)"}` : "not installed"}`);
      print(`service: ${s.running === null ? `unknown (${managerTrouble(kind, s.detail)})` : s.detail}`);
      return s.running ? EXIT.ok : EXIT.failed;
    }
    if (dryRun) {
      const file = yield* manager.generate(kind, options);
      file.warnings.forEach(warn);
      if (json) return printJson({ action: "print", kind, path: file.path, contents: file.contents, warnings: file.warnings }), EXIT.ok;
      stdout.write(file.contents);
      return EXIT.ok;
    }
    const { file, activation } = yield* manager.install(kind, options);
    file.warnings.forEach(warn);
    if (json) {
      return printJson({ action, kind, path: file.path, written: true, activated: activation.ok, ...stepsJson(activation), warnings: file.warnings }), EXIT.ok;
    }
    print(`wrote ${file.path}`);
    for (const step of activation.steps.filter((s) => s.ok)) print(`ran ${shellLine(step.command)}`);
    if (activation.ok) print("the watchdog is running as a service; stopping or restarting it leaves the jobs running");
    else reportUnfinished(kind, "the service file is written but not started", activation);
    return EXIT.ok;
  });

const fileErrorMessage = (e: ServiceFileError) =>
  `could not ${e.operation} ${e.path}: ${e.cause instanceof Error ? e.cause.message : String(e.cause)}`;

export const service: Command = {
  name: "service",
  summary: "install, remove or check the watchdog as a systemd user service or launchd agent",
  usage: "service install|uninstall|status [--print] [--systemd|--launchd] [--json]",
  details: [
    "install writes a unit (systemd, ~/.config/systemd/user/) or an agent (launchd, ~/Library/LaunchAgents/)",
    "that runs `watch` with this PATH and bun, restarts it on failure, and never kills the jobs when it stops;",
    "then it enables and (re)starts it. Where the manager cannot be asked, the file is still written and the",
    "commands to finish by hand are printed. --print shows the file and changes nothing. status exits 0 only",
    "when the service is running. systemd user services stop at logout unless `loginctl enable-linger` is on.",
  ].join("\n"),
  options: {
    print: { type: "boolean", help: "with install: print the file instead of installing it" },
    systemd: { type: "boolean", help: "a systemd user unit (the default except on macOS)" },
    launchd: { type: "boolean", help: "a launchd agent (the default on macOS)" },
    ...COMMON_OPTIONS,
  },
  run: async ({ values, positionals }) => {
    const action = ACTIONS.find((a) => a === positionals[0]);
    if (!action || positionals.length !== 1) throw new UsageError({ message: "service takes one of install, uninstall, status" });
    if (values.systemd && values.launchd) throw new UsageError({ message: "--systemd and --launchd cannot be used together" });
    if (values.print && action !== "install") throw new UsageError({ message: "--print goes with install" });
    const kind: ServiceKind = values.systemd ? "systemd" : values.launchd ? "launchd" : defaultKind(process.platform);
    const exit = await Effect.runPromiseExit(
      program(action, kind, values.json === true, values.print === true, values.config as string | undefined)
        .pipe(Effect.provide(ServiceManager.layer)),
    );
    if (Exit.isSuccess(exit)) return exit.value;
    const failure = Cause.findErrorOption(exit.cause);
    if (failure._tag === "Some") {
      const e = failure.value;
      const { message, exitCode } = e._tag === "ServiceFileError" ? { message: fileErrorMessage(e), exitCode: EXIT.failed } : describe(e);
      reportFailure(e._tag, message);
      return exitCode;
    }
    reportFailure("InternalError", `internal error:\n${Cause.pretty(exit.cause)}`);
    return EXIT.failed;
  },
};
