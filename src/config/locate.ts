import { readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

const MODULE = "codex-supervisor";
const CODE = ["js", "ts", "cjs", "mjs", "cts", "mts"];
const DATA = ["json", "yaml", "yml"];

/**
 * Where a project config may be, in each directory from the job's upward (also what
 * configFingerprint stats): every place cosmiconfig searches for a module by default
 * (package.json's key, `.codex-supervisorrc*`, `.config/codex-supervisorrc*`,
 * `codex-supervisor.config.*`), with the TypeScript module kinds and data formats it leaves out.
 */
export const PROJECT_PLACES: ReadonlyArray<string> = [
  "package.json",
  `.${MODULE}rc`, ...[...DATA, ...CODE].map((ext) => `.${MODULE}rc.${ext}`),
  `.config/${MODULE}rc`, ...[...DATA, ...CODE].map((ext) => `.config/${MODULE}rc.${ext}`),
  ...[...CODE, ...DATA].map((ext) => `${MODULE}.config.${ext}`),
];

/** PROJECT_PLACES in words, for a message saying where the search looked. */
export const PROJECT_PLACES_TEXT = `package.json's "${MODULE}" key, .${MODULE}rc[.json|.yaml|.yml|.js|.ts|.cjs|.mjs|.cts|.mts], the same under .config/ (without the dot), ${MODULE}.config.{js,ts,cjs,mjs,cts,mts,json,yaml,yml}`;

/** The global config's places in the user config dir (cosmiconfig's global places, and the TypeScript module kinds). */
export const GLOBAL_PLACES: ReadonlyArray<string> = ["config", ...[...DATA, ...CODE].map((ext) => `config.${ext}`)];

// A package.json is a config only with our key; one that is not even JSON is not ours either.
// Reading it is safe: JSON.parse runs nothing.
const holdsOurKey = (content: string): boolean => {
  try {
    const value: unknown = JSON.parse(content);
    return typeof value === "object" && value !== null && Object.hasOwn(value, MODULE);
  } catch {
    return false;
  }
};

const namesIn = (dir: string): ReadonlySet<string> | undefined => {
  try { return new Set(readdirSync(dir)); } catch { return undefined; }
};

/**
 * The config files a directory holds, in search order, found without loading them: each place
 * present, not empty (cosmiconfig skips an empty one) and, for package.json, holding our key.
 * More than one is a conflict the loader reports. One readdir first (and one of `.config` when
 * a place is under it): most directories hold none, and a read per place cost every command's start (BENCHMARKS.md).
 */
export const configsIn = (dir: string, places: ReadonlyArray<string>): ReadonlyArray<string> => {
  const names = namesIn(dir);
  if (!names) return [];
  const nested = places.some((p) => p.startsWith(".config/")) && names.has(".config") ? namesIn(join(dir, ".config")) : undefined;
  const found: string[] = [];
  for (const place of places) {
    const present = place.startsWith(".config/") ? nested?.has(place.slice(".config/".length)) : names.has(place);
    if (!present) continue;
    const file = join(dir, place);
    let content: string;
    try { content = readFileSync(file, "utf8"); } catch { continue; } // a directory, unreadable: as cosmiconfig does
    if (content.trim() === "") continue;
    if (basename(file) === "package.json" && !holdsOurKey(content)) continue;
    found.push(file);
  }
  return found;
};

/** The first config file a directory holds (see configsIn). */
export const configIn = (dir: string, places: ReadonlyArray<string>): string | undefined => configsIn(dir, places)[0];

/**
 * The project config files of the nearest directory upward from `from` that holds any, stopping
 * at `stopDir` (home): one file, or several when that directory holds a conflict.
 */
export const findProjectFiles = (from: string, stopDir: string): ReadonlyArray<string> => {
  for (let dir = from; ; dir = dirname(dir)) {
    const found = configsIn(dir, PROJECT_PLACES);
    if (found.length > 0) return found;
    if (dir === stopDir || dirname(dir) === dir) return [];
  }
};

/** The project config that applies in `from`: the nearest one upward (the first of a conflicting pair). */
export const findProjectFile = (from: string, stopDir: string): string | undefined => findProjectFiles(from, stopDir)[0];

/** Two config files in one folder: which one applies would be a guess, so neither does. */
export const conflictText = (files: ReadonlyArray<string>): string =>
  `${files.length} config files in one folder: ${files.join(" and ")}; keep one (merge the other into it and remove it)`;
