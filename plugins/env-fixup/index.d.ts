import { type LaunchSpec, z } from "codex-supervisor/plugin";
/** Codex needs its own key; its tool commands never do. */
export declare const DEFAULT_HIDDEN: string[];
export declare const envFixupOptions: z.ZodObject<{
    set: z.ZodDefault<z.ZodRecord<z.ZodString, z.ZodString>>;
    unset: z.ZodDefault<z.ZodArray<z.ZodString>>;
    hideFromTools: z.ZodDefault<z.ZodArray<z.ZodString>>;
}, z.core.$strict>;
export type EnvFixupOptions = z.output<typeof envFixupOptions>;
/** Codex's own filter for tool environments: case-insensitive globs, applied to every tool subprocess. */
export declare const excludeArgs: (patterns: ReadonlyArray<string>) => string[];
/** The venv-correct launch, then the configured env changes; `-c` overrides go right after `exec`. */
export declare const fixLaunch: (spec: LaunchSpec, options: EnvFixupOptions) => LaunchSpec;
declare const _default: import("codex-supervisor").Plugin<{
    set: Record<string, string>;
    unset: string[];
    hideFromTools: string[];
}>;
export default _default;
