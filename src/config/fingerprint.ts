import { statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { GLOBAL_PLACES, type LoadConfigOptions, PROJECT_PLACES } from "./load.ts";
import { userConfigDir } from "./paths.ts";

const version = (path: string): string | undefined => {
  const s = statSync(path, { throwIfNoEntry: false });
  return s ? `${path}\0${s.ino}\0${s.size}\0${s.mtimeMs}\0${s.ctimeMs}` : undefined;
};

/**
 * What a config load with these options reads: every candidate file that exists (the
 * global ones, then each directory's from `cwd` up to home, or the explicit file), each
 * with its version. Equal fingerprints mean the same bytes and so the same config; one
 * costs a few dozen stat calls where a load costs a search, a parse and a validation.
 */
export const configFingerprint = (options: LoadConfigOptions): string => {
  const env = options.env ?? process.env;
  const home = resolve(options.home ?? homedir());
  const cwd = resolve(options.cwd);
  const globalDir = resolve(options.globalDir ?? userConfigDir({ env, platform: process.platform, home }));
  const files = GLOBAL_PLACES.map((place) => version(join(globalDir, place)));
  if (options.explicitFile !== undefined) {
    files.push(version(resolve(cwd, options.explicitFile)));
  } else {
    for (let dir = cwd; ; dir = dirname(dir)) {
      for (const place of PROJECT_PLACES) files.push(version(join(dir, place)));
      if (dir === home || dirname(dir) === dir) break;
    }
  }
  return [cwd, options.explicitFile ?? "", ...files.filter((f) => f !== undefined)].join("\n");
};
