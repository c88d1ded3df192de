import { realpathSync, statSync } from "node:fs";
import { didYouMean, typeName } from "../config/format.ts";
import { ownershipProblem } from "../config/ownership.ts";
import { localPluginFile } from "../config/pluginFiles.ts";
import type { PluginRef } from "../config/policies.ts";
import { BUILTIN_NAMES, importBuiltin, isBuiltinName } from "./builtins.ts";

/** A plugin entry before validation: whatever its module default-exported, with the options the config gave. */
export interface Candidate {
  /** Where the config lists it, `plugins.2`; undefined for a built-in the config does not mention. */
  readonly at: string | undefined;
  readonly value: unknown;
  readonly options: unknown;
  /** A built-in's name, the module's path, or "config" for an object given in a TS config. */
  readonly source: string;
  readonly builtin: boolean;
}

export type Resolved = { readonly candidate: Candidate } | { readonly problem: string };

const errorText = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause));

// An mtime query makes an edited plugin a new module, so a reloading watchdog sees the edit.
const importDefault = async (file: string): Promise<Resolved> => {
  try {
    const real = realpathSync(file);
    const mod: unknown = await import(`${real}?t=${statSync(real).mtimeMs}`);
    const value: unknown = typeof mod === "object" && mod !== null ? Reflect.get(mod, "default") : undefined;
    if (value === undefined) return { problem: `${file} has no default export (expected \`export default definePlugin({ ... })\`)` };
    return { candidate: { at: undefined, value, options: undefined, source: file, builtin: false } };
  } catch (cause) {
    return { problem: `${file} could not be imported: ${errorText(cause).replace(/\?t=[\d.]+/g, "")}` };
  }
};

const fromName = async (spec: string, configDir: string): Promise<Resolved> => {
  if (isBuiltinName(spec)) {
    const value = await importBuiltin(spec);
    return { candidate: { at: undefined, value, options: undefined, source: spec, builtin: true } };
  }
  const file = localPluginFile(spec, configDir);
  if (file === undefined) {
    const guess = didYouMean(spec, BUILTIN_NAMES);
    const hint = guess ? `did you mean "${guess}"?` : `expected a built-in (${BUILTIN_NAMES.join(", ")}) or a path to a module`;
    return { problem: `unknown plugin "${spec}" (${hint})` };
  }
  const refused = ownershipProblem(file);
  return refused ? { problem: refused } : importDefault(file);
};

/** One config entry → the plugin it names, imported but not yet validated. Never rejects. */
export const resolveRef = async (ref: PluginRef, at: string, configDir: string): Promise<Resolved> => {
  if (typeof ref === "object" && !Array.isArray(ref)) {
    return { candidate: { at, value: ref, options: undefined, source: "config", builtin: false } };
  }
  const [spec, options] = typeof ref === "string" ? [ref, undefined] : ref;
  if (typeof spec !== "string") return { problem: `expected a plugin name or path, got ${typeName(spec)}` };
  const resolved = await fromName(spec, configDir);
  return "candidate" in resolved ? { candidate: { ...resolved.candidate, at, options } } : resolved;
};
