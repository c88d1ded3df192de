import { definePlugin } from "codex-supervisor";
import { applyPythonEnv, type LaunchSpec, tomlString, z } from "codex-supervisor/plugin";

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected an environment variable name");
const envPattern = z.string().regex(/^[A-Za-z0-9_*?]+$/, `expected a variable name or a glob like "*_TOKEN"`);

/** Codex needs its own key; its tool commands never do. */
export const DEFAULT_HIDDEN = ["OPENAI_API_KEY", "CODEX_API_KEY"];

export const envFixupOptions = z.strictObject({
  /** Variables added to Codex's environment (its tools inherit them). */
  set: z.record(envName, z.string()).default(() => ({})),
  /** Variables removed from Codex's environment. */
  unset: z.array(envName).default(() => []),
  /** Names or globs kept in Codex's own environment but excluded from every tool command it runs. */
  hideFromTools: z.array(envPattern).default(() => [...DEFAULT_HIDDEN]),
});

export type EnvFixupOptions = z.output<typeof envFixupOptions>;

/** Codex's own filter for tool environments: case-insensitive globs, applied to every tool subprocess. */
export const excludeArgs = (patterns: ReadonlyArray<string>): string[] =>
  patterns.length === 0 ? [] : ["-c", `shell_environment_policy.exclude=[${patterns.map(tomlString).join(",")}]`];

/** The venv-correct launch, then the configured env changes; `-c` overrides go right after `exec`. */
export const fixLaunch = (spec: LaunchSpec, options: EnvFixupOptions): LaunchSpec => {
  const fixed = applyPythonEnv(spec);
  const env: Record<string, string> = { ...fixed.env, ...options.set };
  for (const name of options.unset) delete env[name];
  const [exec, ...rest] = fixed.args;
  return { ...fixed, env, args: [exec ?? "exec", ...excludeArgs(options.hideFromTools), ...rest] };
};

export default definePlugin({
  name: "env-fixup",
  order: "pre",
  options: envFixupOptions,
  beforeLaunch: (spec, { options }) => fixLaunch(spec, options),
});
