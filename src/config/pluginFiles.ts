import { homedir } from "node:os";
import { join, resolve } from "node:path";

const looksLikePath = (spec: string): boolean =>
  spec.startsWith("/") || spec.startsWith("./") || spec.startsWith("../") || spec.startsWith("~/") || /\.(ts|js|mjs)$/.test(spec);

/** The module file a plugin entry names (relative to its config's folder, `~/` to home), or undefined for a name. */
export const localPluginFile = (spec: string, configDir: string, home: string = homedir()): string | undefined =>
  !looksLikePath(spec) ? undefined : spec === "~" || spec.startsWith("~/") ? join(home, spec.slice(2)) : resolve(configDir, spec);

/** The plugin files a config's (anchored) plugin list names: what its trust record holds hashes of. */
export const pluginFilesOf = (plugins: unknown, configDir: string, home?: string): string[] => {
  if (!Array.isArray(plugins)) return [];
  const specs = plugins.map((entry: unknown) => (Array.isArray(entry) ? entry[0] : entry));
  return [...new Set(specs.flatMap((spec) => {
    const file = typeof spec === "string" ? localPluginFile(spec, configDir, home) : undefined;
    return file === undefined ? [] : [file];
  }))];
};
