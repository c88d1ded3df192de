import type { NotifyPayload } from "./payload.ts";
/** What a channel reports: undefined when delivered, else why not. */
export type Delivery = string | undefined;
export declare const postWebhook: (url: string, payload: NotifyPayload, timeoutMs: number) => Promise<Delivery>;
/**
 * Runs argv as given, no shell: the payload reaches the command only as JSON on stdin
 * and as environment variables, never spliced into an argument. It runs in its own
 * process group so a timeout ends whatever it started too.
 */
export declare const runArgv: (argv: ReadonlyArray<string>, stdin: string, env: Record<string, string>, timeoutMs: number) => Promise<Delivery>;
/** The desktop notifier for this platform, as argv; the texts are argv items, never script or shell source. */
export declare const desktopArgv: (platform: NodeJS.Platform, title: string, body: string, which: (cmd: string) => string | null) => string[] | string;
