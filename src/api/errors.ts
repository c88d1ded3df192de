/**
 * The one error the Promise API rejects with. `_tag` says which failure it is (the tags of the
 * Effect API's errors), `message` is what the CLI prints for it, `exitCode` the CLI's exit code.
 * Erasable syntax only: this file runs under Node as well as Bun.
 */
export const SUPERVISOR_ERROR_TAGS = [
  "ConfigError", "JobNotFound", "JobAmbiguous", "DatabaseError", "CodexNotFound", "LaunchError",
  "KillRefused", "HistoryError", "UnsupportedHistory", "UsageError", "ProcessTableError",
  "WaitTimeout", "Closed", "CliFailed",
] as const;
export type SupervisorErrorTag = (typeof SUPERVISOR_ERROR_TAGS)[number];

export class SupervisorError extends Error {
  readonly _tag: SupervisorErrorTag;
  readonly exitCode: number;
  constructor(tag: SupervisorErrorTag, message: string, exitCode: number, options?: { readonly cause?: unknown }) {
    super(message, options);
    this.name = "SupervisorError";
    this._tag = tag;
    this.exitCode = exitCode;
  }
}

/** Whether `e` is the API's error, with this tag when one is given. */
export const isSupervisorError = (e: unknown, tag?: SupervisorErrorTag): e is SupervisorError =>
  e instanceof SupervisorError && (tag === undefined || e._tag === tag);
