import { type DoctorCheck, fail, ok, warn } from "./check.ts";
import type { Bounded } from "./shell.ts";

/** The newest Codex state database this version was built against (codex 0.169 writes state_5.sqlite). */
export const KNOWN_STATE_DB = 5;
/** The threads columns the supervisor reads from it. */
export const STATE_DB_COLUMNS = ["id", "rollout_path", "created_at", "cwd", "title"] as const;
/** The Codex releases whose history formats this version reads. */
export const TESTED_CODEX = "0.128 … 0.169";

export interface CodexBinaryFacts {
  readonly bin: string;
  /** Who chose the binary: CODEX_SUPERVISOR_CODEX, a config file, or the default `codex` on PATH. */
  readonly source: "env" | "config" | "default";
  readonly configFile: string | undefined;
  readonly resolved: string | undefined;
  /** `codex --version`, when it was found. */
  readonly version: Bounded | undefined;
}

/** `codex-cli 0.169.0` → `0.169.0`. */
export const parseCodexVersion = (output: string): string | undefined =>
  /\b(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\b/.exec(output)?.[1];

const BINARY = { id: "codex.binary", title: "codex binary" };

const chosenBy = (f: CodexBinaryFacts) =>
  f.source === "env" ? "CODEX_SUPERVISOR_CODEX" : f.source === "config" ? `codex.bin in ${f.configFile ?? "the config"}` : "PATH";

export const judgeCodexBinary = (f: CodexBinaryFacts): DoctorCheck => {
  if (!f.resolved) {
    return fail(
      { ...BINARY, detail: `"${f.bin}" (from ${chosenBy(f)}) is not an executable${f.bin.includes("/") ? "" : " on PATH"}` },
      f.source === "env" ? "point CODEX_SUPERVISOR_CODEX at the codex executable, or unset it"
        : f.source === "config" ? `fix codex.bin in ${f.configFile ?? "the config"}`
        : "install Codex (npm install -g @openai/codex), or set codex.bin in the config (or CODEX_SUPERVISOR_CODEX) to its path",
    );
  }
  const v = f.version;
  const where = `${f.resolved} (from ${chosenBy(f)})`;
  if (!v || v.timedOut || v.error !== undefined || v.exitCode !== 0) {
    const why = !v ? "was not run" : v.timedOut ? "did not answer in time" : v.error ?? `exited with ${v.exitCode}: ${(v.stderr || v.stdout).trim().split("\n")[0] ?? ""}`;
    return fail({ ...BINARY, detail: `${where}: \`codex --version\` ${why}` }, "run `codex --version` by hand to see what is wrong (a broken install: reinstall @openai/codex)");
  }
  const version = parseCodexVersion(v.stdout);
  return ok({ ...BINARY, detail: `${v.stdout.trim().split("\n")[0] ?? ""} at ${where}${version ? "" : " (no version number in its answer)"}` });
};

export interface CodexHomeFacts {
  readonly home: string;
  readonly exists: boolean;
  readonly isDirectory: boolean;
  /** Where the value came from, for the fix. */
  readonly fromConfig: string | undefined;
}

const HOME = { id: "codex.home", title: "CODEX_HOME" };

export const judgeCodexHome = (f: CodexHomeFacts): DoctorCheck => {
  const setIt = f.fromConfig ? `codex.home in ${f.fromConfig}` : "CODEX_HOME";
  if (!f.exists) {
    return warn({ ...HOME, detail: `${f.home} does not exist yet: no Codex has run with it` },
      `nothing to do if Codex has never run; if your history is elsewhere, set ${setIt} to it`);
  }
  if (!f.isDirectory) return fail({ ...HOME, detail: `${f.home} is not a directory` }, `set ${setIt} to Codex's home directory`);
  return ok({ ...HOME, detail: f.home });
};

export type StateDbFacts =
  | { readonly kind: "none" }
  | { readonly kind: "read"; readonly path: string; readonly number: number; readonly columns: ReadonlyArray<string> }
  | { readonly kind: "unreadable"; readonly path: string; readonly number: number; readonly reason: string };

const STATE_DB = { id: "codex.state-db", title: "Codex state database" };
const UPGRADE = "upgrade codex-supervisor to a version that knows this Codex";

const withVersion = (codexVersion: string | undefined) => `codex ${codexVersion ?? "version unknown"}`;

export const judgeStateDb = (f: StateDbFacts, codexVersion: string | undefined): DoctorCheck => {
  if (f.kind === "none") return ok({ ...STATE_DB, detail: "none: history is found by rollout file name" });
  const fallback = "the supervisor finds history by rollout file name instead";
  if (f.kind === "unreadable") {
    return warn({ ...STATE_DB, detail: `${f.path} cannot be read (${withVersion(codexVersion)}): ${f.reason}; ${fallback}` });
  }
  const missing = STATE_DB_COLUMNS.filter((c) => !f.columns.includes(c));
  if (missing.length > 0) {
    return warn({
      ...STATE_DB,
      detail: `unsupported Codex state database format (${withVersion(codexVersion)}): ${f.path} has no threads table with ${missing.join(", ")}; ${fallback}`,
    }, UPGRADE);
  }
  if (f.number > KNOWN_STATE_DB) {
    return warn({
      ...STATE_DB,
      detail: `${f.path} is newer than any this version knows (state_${KNOWN_STATE_DB}, ${withVersion(codexVersion)}); its threads table still has the columns read`,
    }, UPGRADE);
  }
  return ok({ ...STATE_DB, detail: `${f.path}: a format this version reads` });
};

export type RolloutFacts =
  | { readonly kind: "none" }
  | { readonly kind: "read"; readonly path: string; readonly cliVersion: string | undefined }
  | { readonly kind: "unsupported"; readonly path: string; readonly cliVersion: string | undefined; readonly reason: string }
  | { readonly kind: "unreadable"; readonly path: string; readonly reason: string };

const HISTORY = { id: "codex.history", title: "Codex history" };

export const judgeRollout = (f: RolloutFacts, codexVersion: string | undefined): DoctorCheck => {
  switch (f.kind) {
    case "none":
      return ok({ ...HISTORY, detail: "no sessions yet" });
    case "read":
      return ok({ ...HISTORY, detail: `the newest session (codex ${f.cliVersion ?? "version unknown"}) is a format this version reads: ${f.path}` });
    case "unsupported":
      return fail({
        ...HISTORY,
        detail: `unsupported Codex history format (${withVersion(f.cliVersion ?? codexVersion)}): ${f.reason.replace(/^unsupported Codex history format: /, "")}\nin ${f.path}`,
      }, `${UPGRADE} (it reads codex ${TESTED_CODEX}); until then status and logs cannot read these jobs' history`);
    case "unreadable":
      return warn({ ...HISTORY, detail: `the newest session cannot be read: ${f.reason}\nin ${f.path}` });
  }
};
