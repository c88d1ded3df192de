import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect } from "effect";
import { configDefaults, defaultConfig } from "../../src/config/defaults.ts";
import type { Config } from "../../src/config/schema.ts";
import type { PluginRef } from "../../src/config/policies.ts";
import { JOB_MARKER } from "../../src/core/job.ts";
import { execArgs, type LaunchSpec } from "../../src/core/launch.ts";
import type { Subject } from "../../src/core/subject.ts";
import { type ActionRequest, type LoadedPlugins, loadPlugins } from "../../src/hooks/host.ts";
import type { KillSummary } from "../../src/hooks/types.ts";

export const REPO = new URL("../..", import.meta.url).pathname;
export const JOB_ID = "0b7e4c1e-9a51-4e6c-8f0e-2a8d6c3b1f00";

export const config: Config = defaultConfig(configDefaults({ env: {}, platform: "linux", home: "/home/t" }));

export const launchSpec = (over: Partial<LaunchSpec> = {}): LaunchSpec => ({
  jobId: JOB_ID,
  bin: "codex",
  cwd: "/work/project",
  args: execArgs(JOB_ID, ["--json"], []),
  env: { PATH: "/usr/bin:/bin", [JOB_MARKER]: JOB_ID, OPENAI_API_KEY: "sk-canary" },
  prompt: "fix it",
  python: { kind: "none", source: "none" },
  ...over,
});

export const subject = (over: Partial<Subject> = {}): Subject => ({
  key: JOB_ID, tracked: true, job: undefined, name: "nightly $(touch x)", cwd: "/work/project", kind: "exec",
  pid: 4242, pids: [4242, 4243], threadId: "thread-1", startedAt: 0, rss: 0, cpu: 0, cpuTimeMs: 0, orphaned: false,
  lastActivityAt: undefined, tokens: undefined, python: { foreignInterpreters: [], repeatedMissingModules: [] },
  ...over,
});

export const gone: KillSummary = { result: "already-gone", processes: 0, survivors: [], message: "already-gone: 0 process(es)" };

export const actionRequest = (over: Partial<Pick<ActionRequest, "message" | "actionOptions" | "kill">> = {}): ActionRequest => ({
  subject: subject(),
  policy: { name: "max-runtime" },
  actionOptions: over.actionOptions ?? {},
  message: over.message ?? "max-runtime: job 0b7e4c1e ran 46m (over 45m)",
  kill: over.kill ?? (() => Promise.resolve(gone)),
});

export const load = (refs: ReadonlyArray<PluginRef>, options: { configDir?: string; timeoutMs?: number } = {}): Promise<LoadedPlugins> =>
  Effect.runPromise(loadPlugins(refs, { configFile: "/cfg/codex-supervisor.config.ts", ...options }));

/** The ConfigError's issues as `path: message` lines, or a failure if it loaded. */
export const loadIssues = async (refs: ReadonlyArray<PluginRef>, options: { configDir?: string } = {}): Promise<string[]> => {
  const error = await Effect.runPromise(Effect.flip(loadPlugins(refs, { configFile: "/cfg/codex-supervisor.config.ts", ...options })));
  return error.issues.map((i) => `${i.path}: ${i.message}`);
};

/** A private temporary directory (mode 0700) for plugin modules; removed by the returned function. */
export const pluginDir = (): { dir: string; write: (name: string, source: string, mode?: number) => string; remove: () => void } => {
  const dir = mkdtempSync(join(tmpdir(), "cs-plugins-"));
  chmodSync(dir, 0o700);
  return {
    dir,
    write: (name, source, mode = 0o644) => {
      const file = join(dir, name);
      writeFileSync(file, source);
      chmodSync(file, mode);
      return file;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
};
