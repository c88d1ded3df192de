import * as Data from "effect/Data";

/** One problem in a config file: where (`policies.2.when.runtimeOver`) and what was expected. */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

export class ConfigError extends Data.TaggedError("ConfigError")<{
  readonly file: string;
  readonly issues: ReadonlyArray<ConfigIssue>;
  readonly cause?: unknown;
}> {}

export class JobNotFound extends Data.TaggedError("JobNotFound")<{
  readonly query: string;
}> {}

export class JobAmbiguous extends Data.TaggedError("JobAmbiguous")<{
  readonly query: string;
  readonly matches: ReadonlyArray<string>;
}> {}

export class DatabaseError extends Data.TaggedError("DatabaseError")<{
  readonly path: string;
  readonly operation: string;
  readonly cause?: unknown;
}> {}

export class CodexNotFound extends Data.TaggedError("CodexNotFound")<{
  readonly bin: string;
  readonly cause?: unknown;
}> {}

export class LaunchError extends Data.TaggedError("LaunchError")<{
  readonly reason: string;
  readonly cause?: unknown;
}> {}

/** A kill that was not carried out because a PID could not be proven to be the job's. */
export class KillRefused extends Data.TaggedError("KillRefused")<{
  readonly jobId: string;
  readonly pid: number;
  readonly reason: string;
}> {}

export class HistoryError extends Data.TaggedError("HistoryError")<{
  readonly path: string;
  readonly reason: string;
  readonly cause?: unknown;
}> {}

/** Codex wrote history in a shape this version does not know: reported, never guessed at. */
export class UnsupportedHistory extends Data.TaggedError("UnsupportedHistory")<{
  readonly path: string;
  readonly cliVersion: string | undefined;
  readonly reason: string;
}> {}

export class UsageError extends Data.TaggedError("UsageError")<{
  readonly message: string;
}> {}
