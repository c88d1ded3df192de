import { type ActionResult, type KillSummary } from "codex-supervisor";
import { z } from "codex-supervisor/plugin";
export declare const killOptions: z.ZodObject<{
    grace: z.ZodPrefault<z.ZodPipe<z.ZodString, z.ZodTransform<number, string>>>;
}, z.core.$strict>;
/** The kill counts as done only when the whole tree is gone. */
export declare const killOutcome: (summary: KillSummary) => ActionResult;
declare const _default: import("codex-supervisor").Plugin<{
    grace: number;
}>;
export default _default;
