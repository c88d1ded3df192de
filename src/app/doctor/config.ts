import type { SkippedConfig } from "../../config/load.ts";
import { skippedText } from "../../config/trust.ts";
import type { ConfigError } from "../../core/errors.ts";
import { type DoctorCheck, fail, ok, warn } from "./check.ts";

export interface ConfigFacts {
  readonly cwd: string;
  /** The files that applied, global first; empty when the config did not load. */
  readonly files: ReadonlyArray<string>;
  /** The config files did not load or validate. */
  readonly error: ConfigError | undefined;
  /** They loaded, but their plugin list did not. */
  readonly plugins: ConfigError | undefined;
  /** The project's file, found and not applied (untrusted, or not safely owned). */
  readonly skipped?: SkippedConfig | undefined;
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
  if (f.skipped) {
    const applied = f.files.length === 0 ? "the defaults apply" : `what applies (later wins):\n${f.files.join("\n")}`;
    return warn({ ...CONFIG, detail: `untrusted: ${skippedText(f.skipped)}; ${applied}` },
      f.skipped.fix ? `if you trust what ${f.skipped.file} runs, run \`${f.skipped.fix}\`` : `make ${f.skipped.file} and its folder yours and writable only by you (chown, chmod go-w)`);
  }
  return ok({
    ...CONFIG,
    detail: f.files.length === 0 ? `no config file applies to ${f.cwd}: the defaults`
      : [`valid; for ${f.cwd} (later wins):`, ...f.files].join("\n"),
  });
};
