import { statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { GLOBAL_PLACES, type LoadConfigOptions, PROJECT_PLACES } from "./load.ts";
import { userConfigDir } from "./paths.ts";

/** Versions already read in one look at several directories (their parents and the global files are shared). */
export type FingerprintMemo = Map<string, string | undefined>;

const version = (path: string, memo?: FingerprintMemo): string | undefined => {
  if (memo?.has(path)) return memo.get(path);
  const s = statSync(path, { throwIfNoEntry: false });
  const v = s ? `${path}\0${s.ino}\0${s.size}\0${s.mtimeMs}\0${s.ctimeMs}` : undefined;
  memo?.set(path, v);
  return v;
};

// Which project places a directory holds, kept while the directory itself is unchanged: a file
// created, removed or renamed into place changes the directory's mtime; an edit in place changes
// only the file's, and the files that are there are stat'ed every time. One stat per directory,
// not one per place, is what the watchdog pays each tick for each job's cwd and its parents.
const places = new Map<string, { readonly key: string; readonly present: ReadonlyArray<string> }>();
const presentPlaces = (dir: string, memo?: FingerprintMemo): ReadonlyArray<string> => {
  const key = version(dir, memo);
  if (key === undefined) {
    places.delete(dir);
    return [];
  }
  const known = places.get(dir);
  if (known?.key === key) return known.present;
  const present = PROJECT_PLACES.filter((place) => statSync(join(dir, place), { throwIfNoEntry: false }) !== undefined);
  places.set(dir, { key, present });
  return present;
};

/**
 * What a config load with these options reads: every candidate file that exists (the
 * global ones, then each directory's from `cwd` up to home, or the explicit file), each
 * with its version. Equal fingerprints mean the same bytes and so the same config; one
 * costs a few dozen stat calls where a load costs a search, a parse and a validation. With a
 * memo, the fingerprints of several directories taken together stat each path once.
 */
export const configFingerprint = (options: LoadConfigOptions, memo?: FingerprintMemo): string => {
  const env = options.env ?? process.env;
  const home = resolve(options.home ?? homedir());
  const cwd = resolve(options.cwd);
  const globalDir = resolve(options.globalDir ?? userConfigDir({ env, platform: process.platform, home }));
  const files = GLOBAL_PLACES.map((place) => version(join(globalDir, place), memo));
  if (options.explicitFile !== undefined) {
    files.push(version(resolve(cwd, options.explicitFile), memo));
  } else {
    for (let dir = cwd; ; dir = dirname(dir)) {
      for (const place of presentPlaces(dir, memo)) files.push(version(join(dir, place), memo));
      if (dir === home || dirname(dir) === dir) break;
    }
  }
  return [cwd, options.explicitFile ?? "", ...files.filter((f) => f !== undefined)].join("\n");
};
