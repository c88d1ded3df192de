import { z } from "codex-supervisor/plugin";
import { type NotifyPayload } from "./payload.ts";
export declare const notifyOptions: z.ZodObject<{
    desktop: z.ZodDefault<z.ZodBoolean>;
    webhook: z.ZodOptional<z.ZodURL>;
    command: z.ZodOptional<z.ZodArray<z.ZodString>>;
    passEnv: z.ZodDefault<z.ZodArray<z.ZodString>>;
    timeout: z.ZodPrefault<z.ZodPipe<z.ZodString, z.ZodTransform<number, string>>>;
}, z.core.$strict>;
export type NotifyOptions = z.output<typeof notifyOptions>;
export interface Deliveries {
    /** Channels tried; zero when none is configured. */
    readonly tried: number;
    /** Why each failed channel failed. */
    readonly failures: ReadonlyArray<string>;
}
/** Sends one event through every configured channel, all at once; never throws. */
export declare const deliver: (options: NotifyOptions, payload: NotifyPayload, env?: NodeJS.ProcessEnv) => Promise<Deliveries>;
declare const _default: import("codex-supervisor").Plugin<{
    desktop: boolean;
    webhook?: string | undefined;
    command?: string[] | undefined;
    passEnv: string[];
    timeout: number;
}>;
export default _default;
