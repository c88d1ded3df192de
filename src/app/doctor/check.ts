/** How one doctor check came out: `fail` makes `doctor` exit 1, `warn` does not. */
export type DoctorStatus = "ok" | "warn" | "fail";

/** One thing doctor looked at, what it found, and for a problem how to fix it. */
export interface DoctorCheck {
  /** Stable, for scripts and the MCP tool: `python.plain-codex`, `database`, … */
  readonly id: string;
  readonly title: string;
  readonly status: DoctorStatus;
  /** What was found; may span lines. */
  readonly detail: string;
  /** What to do about a problem, in words a user can act on. */
  readonly fix?: string;
}

export interface DoctorReport {
  /** No check failed (warnings allowed). */
  readonly ok: boolean;
  readonly checks: ReadonlyArray<DoctorCheck>;
}

type Fields = Omit<DoctorCheck, "status" | "fix">;

const make = (status: DoctorStatus) => ({ id, title, detail }: Fields, fix?: string): DoctorCheck =>
  ({ id, title, status, detail, ...(fix ? { fix } : {}) });

export const ok = (check: Fields): DoctorCheck => make("ok")(check);
export const warn = make("warn");
export const fail = make("fail");

export const doctorReport = (checks: ReadonlyArray<DoctorCheck>): DoctorReport =>
  ({ ok: checks.every((c) => c.status !== "fail"), checks });

/** The text of an unknown thrown value, for a detail line. */
export const errorText = (cause: unknown): string =>
  cause instanceof Error ? cause.message : String(cause);
