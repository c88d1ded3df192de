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
}
export declare const actionPayload: (ctx: ActionContext<unknown>, action: string, at: number) => NotifyPayload;
export declare const reportPayload: (text: string, at: number) => NotifyPayload;
/** The payload as CODEX_SUPERVISOR_EVENT_JOB_ID, …_MESSAGE, …: one variable per field that has a value. */
export declare const payloadEnv: (payload: NotifyPayload) => Record<string, string>;
/** The environment a notify command runs with: ours without secret-looking names (unless passed on purpose), plus the payload. */
export declare const commandEnv: (base: Readonly<Record<string, string | undefined>>, payload: NotifyPayload, pass: ReadonlyArray<string>) => Record<string, string>;
