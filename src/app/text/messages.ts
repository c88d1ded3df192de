import type {
  CodexNotFound, ConfigError, DatabaseError, HistoryError, JobAmbiguous, JobNotFound, KillRefused,
  LaunchError, UnsupportedHistory, UsageError,
} from "../../core/errors.ts";
import type { ProcessTableError } from "../../services/ProcessTable.ts";
import { oneLine } from "./terminal.ts";

/** Exit codes, documented in the README. */
export const EXIT = { ok: 0, failed: 1, usage: 2, notFound: 3, refused: 4 } as const;

export type KnownError =
  | ConfigError | JobNotFound | JobAmbiguous | DatabaseError | CodexNotFound | LaunchError
  | KillRefused | HistoryError | UnsupportedHistory | UsageError | ProcessTableError;

export interface Failure {
  readonly message: string;
  readonly exitCode: number;
}

const causeText = (cause: unknown): string =>
  cause instanceof Error ? cause.message : cause === undefined ? "" : String(cause);

/** Every user-facing error message is built here, so they read alike. */
export const describe = (e: KnownError): Failure => {
  switch (e._tag) {
    case "ConfigError":
      return {
        exitCode: EXIT.usage,
        message: [`config error in ${oneLine(e.file)}:`, ...e.issues.map((i) => `  - ${i.path ? `${i.path}: ` : ""}${i.message}`)].join("\n"),
      };
    case "UsageError":
      return { exitCode: EXIT.usage, message: `${e.message}\n(see --help)` };
    case "JobNotFound":
      return { exitCode: EXIT.notFound, message: `no job matches "${oneLine(e.query)}" (see codex-supervisor list --all)` };
    case "JobAmbiguous":
      return { exitCode: EXIT.notFound, message: `"${oneLine(e.query)}" matches several jobs: ${e.matches.join(", ")}; give more of the id` };
    case "DatabaseError":
      return { exitCode: EXIT.failed, message: `database ${oneLine(e.path)}: ${e.operation} failed${causeText(e.cause) ? `: ${causeText(e.cause)}` : ""}` };
    case "ProcessTableError":
      return { exitCode: EXIT.failed, message: `could not read the process table (${e.operation}): ${causeText(e.cause)}` };
    case "CodexNotFound":
      return {
        exitCode: EXIT.failed,
        message: `codex binary "${e.bin}" not found on PATH; install @openai/codex or set codex.bin in the config (or CODEX_SUPERVISOR_CODEX)`,
      };
    case "LaunchError":
      return { exitCode: EXIT.failed, message: `launch failed: ${e.reason}` };
    case "KillRefused":
      return { exitCode: EXIT.refused, message: `refusing to kill job ${e.jobId.slice(0, 8)}: pid ${e.pid} ${e.reason}` };
    case "HistoryError":
      return { exitCode: EXIT.failed, message: `history ${oneLine(e.path)}: ${e.reason}` };
    case "UnsupportedHistory":
      return {
        exitCode: EXIT.failed,
        message: `unsupported Codex history format in ${oneLine(e.path)} (codex ${e.cliVersion ?? "version unknown"}): ${e.reason}`,
      };
  }
};
