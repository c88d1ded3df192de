import type { ActionContext } from "codex-supervisor";

/** What every channel receives. Built from named fields only: never an environment, so never a secret. */
export interface NotifyPayload {
  readonly jobId: string | null;
  readonly pid: number | null;
  readonly policy: string | null;
  readonly action: string;
  readonly message: string;
  readonly cwd: string | null;
  readonly name: string | null;
  readonly threadId: string | null;
  readonly kind: string | null;
  readonly tracked: boolean | null;
  /** ISO 8601. */
  readonly at: string;
  /** For a policy on a job's end (`when.ended`), else null: how it ended (completed, aborted, failed, exited, killed). */
  readonly endState: string | null;
  /** Who asked for the kill that ended it: `kill command`, `policy NAME`, `MCP codex_kill`. */
  readonly killedBy: string | null;
  /** Why, when a policy killed it: what the policy saw (`ran 46m (over 45m)`). */
  readonly killReason: string | null;
  /** From its start to its end. */
  readonly durationMs: number | null;
  readonly exitCode: number | null;
  /** The thread's total tokens. */
  readonly tokens: number | null;
  readonly lastAgentMessage: string | null;
}

const NO_END = { endState: null, killedBy: null, killReason: null, durationMs: null, exitCode: null, tokens: null, lastAgentMessage: null } as const;

/** How the subject's job ended, when the policy is one on its end. */
const endFields = (subject: ActionContext<unknown>["subject"]) => {
  const end = subject.end;
  if (!end) return NO_END;
  return {
    endState: end.status,
    killedBy: end.killedBy ?? null,
    killReason: end.killReason ?? null,
    durationMs: Math.max(0, end.at - subject.startedAt),
    exitCode: end.exitCode ?? null,
    tokens: subject.tokens ?? null,
    lastAgentMessage: end.lastAgentMessage ?? null,
  };
};

export const actionPayload = (ctx: ActionContext<unknown>, action: string, at: number): NotifyPayload => ({
  jobId: ctx.subject.job?.id ?? null,
  pid: ctx.subject.pid,
  policy: ctx.policy.name,
  action,
  message: ctx.message,
  cwd: ctx.subject.cwd ?? null,
  name: ctx.subject.name ?? null,
  threadId: ctx.subject.threadId ?? null,
  kind: ctx.subject.kind,
  tracked: ctx.subject.tracked,
  at: new Date(at).toISOString(),
  ...endFields(ctx.subject),
});

export const reportPayload = (text: string, at: number): NotifyPayload => ({
  jobId: null, pid: null, policy: null, action: "report", message: text,
  cwd: null, name: null, threadId: null, kind: null, tracked: null, at: new Date(at).toISOString(), ...NO_END,
});

const envKey = (field: string) => `CODEX_SUPERVISOR_EVENT_${field.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

/** The payload as CODEX_SUPERVISOR_EVENT_JOB_ID, …_MESSAGE, …: one variable per field that has a value. */
export const payloadEnv = (payload: NotifyPayload): Record<string, string> =>
  Object.fromEntries(Object.entries(payload).filter(([, v]) => v !== null).map(([k, v]) => [envKey(k), String(v)]));

// The same names Codex itself keeps from tool commands by default.
const SECRET_NAME = /KEY|SECRET|TOKEN|PASSWORD|CREDENTIAL/i;

/** The environment a notify command runs with: ours without secret-looking names (unless passed on purpose), plus the payload. */
export const commandEnv = (base: Readonly<Record<string, string | undefined>>, payload: NotifyPayload, pass: ReadonlyArray<string>): Record<string, string> => {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value !== undefined && (!SECRET_NAME.test(name) || pass.includes(name))) env[name] = value;
  }
  return { ...env, ...payloadEnv(payload) };
};
