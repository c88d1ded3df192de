import type { ConfigError } from "../errors.ts";
import { type DoctorCheck, fail, ok } from "./check.ts";

export interface ConfigFacts {
  readonly cwd: string;
  /** The files that applied, global first; empty when the config did not load. */
  readonly files: ReadonlyArray<string>;
  /** The config files did not load or validate. */
  readonly error: ConfigError | undefined;
  /** They loaded, but their plugin list did not. */
  readonly plugins: ConfigError | undefined;
}

const CONFIG = { id: "config", title: "config" };

/** One line per problem, as every config error reads: the key path, then what was expected. */
const issueLines = (e: ConfigError) => e.issues.map((i) => `- ${i.path ? `${i.path}: ` : ""}${i.message}`);

export const judgeConfig = (f: ConfigFacts): DoctorCheck => {
  const broken = f.error ?? f.plugins;
  if (broken) {
    return fail({
      ...CONFIG,
      detail: [`${broken.file} is not valid${f.error ? "" : " (its plugins)"}; every command in ${f.cwd} would stop with exit 2 (the checks below use the defaults):`, ...issueLines(broken)].join("\n"),
    }, `edit ${broken.file}: fix each key listed above as it says; \`codex-supervisor config --cwd ${f.cwd}\` shows the result once it loads`);
  }
  return ok({
    ...CONFIG,
    detail: f.files.length === 0 ? `no config file applies to ${f.cwd}: the defaults`
      : [`valid; for ${f.cwd} (later wins):`, ...f.files].join("\n"),
  });
};
