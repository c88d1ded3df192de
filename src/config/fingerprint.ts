import { statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { LoadConfigOptions } from "./load.ts";
import { GLOBAL_PLACES, PROJECT_PLACES } from "./locate.ts";
import { userConfigDir } from "./paths.ts";
import { readTrust, trustFilePath } from "./trust.ts";

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
// A place under `.config/` changes that folder's mtime, not the directory's: both make the key.
const presentFiles = (dir: string, memo?: FingerprintMemo): ReadonlyArray<string> => {
  const own = version(dir, memo);
  const key = own === undefined ? undefined : `${own}\0${version(join(dir, ".config"), memo) ?? ""}`;
  if (key === undefined) {
    places.delete(dir);
    return [];
  }
  const known = places.get(dir);
  if (known?.key === key) return known.present;
  const present = PROJECT_PLACES.map((place) => join(dir, place)).filter((file) => statSync(file, { throwIfNoEntry: false }) !== undefined);
  places.set(dir, { key, present });
  return present;
};

// The plugin files trusted configs name, read again only when the trust record changes: an edit
// to one must make a running watchdog load that config again (and so refuse it), as an edit to
// the config file does. One stat per trusted plugin file per look.
const trustedPlugins = new Map<string, { readonly key: string | undefined; readonly files: ReadonlyArray<string> }>();
const trustedPluginFiles = (trustFile: string, memo?: FingerprintMemo): ReadonlyArray<string> => {
  const key = version(trustFile, memo);
  const known = trustedPlugins.get(trustFile);
  if (known && known.key === key) return known.files;
  const record = key === undefined ? undefined : readTrust(trustFile);
  const files = !record || "problem" in record ? [] : [...new Set(Object.values(record.configs).flatMap((entry) => Object.keys(entry.plugins)))];
  trustedPlugins.set(trustFile, { key, files });
  return files;
};

/** Where a config load with these options looks: worked out from the options and the environment alone. */
export interface ConfigPlaces {
  readonly cwd: string;
  readonly explicitFile: string | undefined;
  /** The global files, the trust record (a `trust` changes what applies), then the explicit file if any. */
  readonly files: ReadonlyArray<string>;
  /** Without an explicit file, each directory from `cwd` up to home (or the root), whose project places count. */
  readonly dirs: ReadonlyArray<string>;
  /** The trust record, whose trusted plugin files count too. */
  readonly trustFile: string;
}

export const configPlaces = (options: LoadConfigOptions): ConfigPlaces => {
  const env = options.env ?? process.env;
  const home = resolve(options.home ?? homedir());
  const cwd = resolve(options.cwd);
  const ctx = { env, platform: process.platform, home };
  const globalDir = resolve(options.globalDir ?? userConfigDir(ctx));
  const trustFile = trustFilePath(ctx);
  const files = [...GLOBAL_PLACES.map((place) => join(globalDir, place)), trustFile];
  const dirs: string[] = [];
  if (options.explicitFile !== undefined) {
    files.push(resolve(cwd, options.explicitFile));
  } else {
    for (let dir = cwd; ; dir = dirname(dir)) {
      dirs.push(dir);
      if (dir === home || dirname(dir) === dir) break;
    }
  }
  return { cwd, explicitFile: options.explicitFile, files, dirs, trustFile };
};

/**
 * What a config load from these places reads: every candidate file that exists, each with its
 * version. Equal fingerprints mean the same bytes and so the same config; one costs a few
 * stat calls where a load costs a search, a parse and a validation. With a memo, the
 * fingerprints of several directories taken together stat each path once.
 */
export const fingerprintOf = (where: ConfigPlaces, memo?: FingerprintMemo): string => {
  const files = where.files.map((file) => version(file, memo));
  for (const dir of where.dirs) for (const file of presentFiles(dir, memo)) files.push(version(file, memo));
  if (where.dirs.length > 0) for (const file of trustedPluginFiles(where.trustFile, memo)) files.push(version(file, memo));
  return [where.cwd, where.explicitFile ?? "", ...files.filter((f) => f !== undefined)].join("\n");
};

/** `fingerprintOf` the places a load with these options looks in. */
export const configFingerprint = (options: LoadConfigOptions, memo?: FingerprintMemo): string =>
  fingerprintOf(configPlaces(options), memo);
