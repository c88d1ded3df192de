import { readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

const MODULE = "codex-supervisor";
/** Where a project config may be, in each directory from the job's upward (also what configFingerprint stats). */
export const PROJECT_PLACES = [
  "package.json", `.${MODULE}rc`, `.${MODULE}rc.json`, `.${MODULE}rc.yaml`, `.${MODULE}rc.yml`,
  `${MODULE}.config.ts`, `${MODULE}.config.js`, `${MODULE}.config.mjs`, `.${MODULE}rc.ts`,
];
export const GLOBAL_PLACES = ["config.ts", "config.json"];

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

/**
 * The config file a directory holds, found without loading it: the first place present, not
 * empty (cosmiconfig skips an empty one) and, for package.json, holding our key. One readdir
 * first: most directories hold none, and a read per place cost every command's start (BENCHMARKS.md, "Measurements behind the code").
 */
export const configIn = (dir: string, places: ReadonlyArray<string>): string | undefined => {
  let names: ReadonlySet<string>;
  try { names = new Set(readdirSync(dir)); } catch { return undefined; }
  for (const place of places) {
    if (!names.has(place)) continue;
    const file = join(dir, place);
    let content: string;
    try { content = readFileSync(file, "utf8"); } catch { continue; } // a directory, unreadable: as cosmiconfig does
    if (content.trim() === "") continue;
    if (basename(file) === "package.json" && !holdsOurKey(content)) continue;
    return file;
  }
  return undefined;
};

/** The project config that applies in `from`: the nearest one upward, stopping at `stopDir` (home). */
export const findProjectFile = (from: string, stopDir: string): string | undefined => {
  for (let dir = from; ; dir = dirname(dir)) {
    const found = configIn(dir, PROJECT_PLACES);
    if (found) return found;
    if (dir === stopDir || dirname(dir) === dir) return undefined;
  }
};
