/**
 * The built-in plugins by name. Each is loaded through its module's default
 * export and validated like a user's plugin: no private door into the host.
 */
export const BUILTINS = {
  "env-fixup": () => import("../../plugins/env-fixup/index.ts"),
  kill: () => import("../../plugins/kill/index.ts"),
  notify: () => import("../../plugins/notify/index.ts"),
} as const satisfies Record<string, () => Promise<{ readonly default: unknown }>>;

export type BuiltinName = keyof typeof BUILTINS;

export const BUILTIN_NAMES: ReadonlyArray<BuiltinName> = ["env-fixup", "kill", "notify"];

export const isBuiltinName = (name: string): name is BuiltinName => Object.hasOwn(BUILTINS, name);

/** A built-in's default export, as loose as a user module's until validated. */
export const importBuiltin = async (name: BuiltinName): Promise<unknown> => (await BUILTINS[name]()).default;
