/**
 * The layers of src/ and plugins/, and the import graph they are checked against
 * (imports.test.ts). From the bottom:
 *   src/core                     pure domain: imports nothing outside itself
 *   src/services, config, hooks  I/O and loading: never the application layer or a door
 *   src/app                      use cases, the runner, views and texts: never a door
 *   src/cli, mcp, watchdog, api  the doors: never one another
 *   src/main.ts                  the program: hands the CLI the other doors; nothing imports it
 * src/index.ts and src/plugin.ts are the public API, the library door's front (they count as src/api).
 * A built-in plugin (plugins/NAME) imports only that public API, as a user's plugin would.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

export interface Edge {
  /** Repo-relative paths, `/`-separated. */
  readonly from: string;
  readonly to: string;
}

const DOORS = ["cli", "mcp", "watchdog", "api"] as const;
const BELOW_APP = ["services", "config", "hooks"] as const;
export const PUBLIC_API = ["src/index.ts", "src/plugin.ts"] as const;

/**
 * DEBT: the built-in plugins' imports of internals, until they import only `codex-supervisor` and
 * `codex-supervisor/plugin` (issue 24, the public plugin API). Remove an entry with the import it
 * names; an entry whose import is gone fails the test, so the list only shrinks.
 */
export const PLUGIN_IMPORT_DEBT: ReadonlyArray<Edge> = [
  { from: "plugins/env-fixup/index.ts", to: "src/core/launch.ts" },
  { from: "plugins/kill/index.ts", to: "src/config/fields.ts" },
  { from: "plugins/kill/index.ts", to: "src/core/duration.ts" },
  { from: "plugins/notify/index.ts", to: "src/config/fields.ts" },
];

/** Which layer a file is in: `door:cli`, `app`, `core`, `services`, `root`, `plugin:kill`, … or undefined (outside them). */
export const layerOf = (file: string): string | undefined => {
  if ((PUBLIC_API as ReadonlyArray<string>).includes(file)) return "door:api";
  if (file === "src/main.ts") return "root";
  const [top, second] = file.split("/");
  if (top === "plugins" && second !== undefined) return `plugin:${second}`;
  if (top !== "src" || second === undefined || !file.slice(4).includes("/")) return undefined;
  if ((DOORS as ReadonlyArray<string>).includes(second)) return `door:${second}`;
  return second;
};

/** What is wrong with one import, or undefined. */
export const violationOf = ({ from, to }: Edge): string | undefined => {
  const a = layerOf(from);
  const b = layerOf(to);
  if (a === undefined || a === b) return undefined;
  const says = (why: string) => `${from} -> ${to}: ${why}`;
  if (to === "src/main.ts") return says("nothing imports the program (src/main.ts)");
  if (a === "core") return says("src/core imports nothing outside src/core");
  if (a.startsWith("door:") && b?.startsWith("door:")) return says("a door imports another door");
  if (a === "app" && b?.startsWith("door:")) return says("src/app imports no door");
  if ((BELOW_APP as ReadonlyArray<string>).includes(a) && (b === "app" || b?.startsWith("door:"))) {
    return says(`src/${a} is below the application layer and imports neither it nor a door`);
  }
  if (a.startsWith("plugin:") && !(PUBLIC_API as ReadonlyArray<string>).includes(to)) {
    if (PLUGIN_IMPORT_DEBT.some((d) => d.from === from && d.to === to)) return undefined;
    return says("a built-in plugin imports only the public API (codex-supervisor, codex-supervisor/plugin)");
  }
  return undefined;
};

const PACKAGE_SPECIFIERS: Readonly<Record<string, string>> = {
  "codex-supervisor": "src/index.ts",
  "codex-supervisor/plugin": "src/plugin.ts",
};

// import … from "x", export … from "x", import "x", import("x"), require("x"); type-only imports count too
const SPECIFIER = /(?:\bfrom|\bimport|\brequire)\s*\(?\s*["']([^"']+)["']/g;
// comments go first, so an import named in one is not taken for an import; `://` in a string is no comment
const COMMENTS = /\/\*[\s\S]*?\*\/|(^|[^:"'`\\])\/\/.*$/gm;

const sourcesUnder = (root: string, dir: string): string[] =>
  existsSync(join(root, dir))
    ? readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && /\.tsx?$/.test(e.name))
      .map((e) => relative(root, join(e.parentPath, e.name)).split("\\").join("/"))
    : [];

const resolveSpecifier = (root: string, from: string, spec: string): string | undefined => {
  if (spec in PACKAGE_SPECIFIERS) return PACKAGE_SPECIFIERS[spec];
  if (!spec.startsWith(".")) return undefined; // a package, node:, bun:
  const path = resolve(root, dirname(from), spec);
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, "index.ts") : path;
  return relative(root, file).split("\\").join("/");
};

/** Every TypeScript file under src/ and plugins/ of `root`, repo-relative. */
export const sourceFiles = (root: string): string[] => ["src", "plugins"].flatMap((dir) => sourcesUnder(root, dir));

/** Every import of every TypeScript file under src/ and plugins/ of `root`, resolved to repo-relative paths. */
export const importGraph = (root: string): Edge[] =>
  sourceFiles(root).flatMap((from) => {
    const text = readFileSync(join(root, from), "utf8").replace(COMMENTS, "$1");
    return [...text.matchAll(SPECIFIER)].flatMap((m) => {
      const to = resolveSpecifier(root, from, m[1]!);
      return to === undefined ? [] : [{ from, to }];
    });
  });

export const violations = (edges: ReadonlyArray<Edge>): string[] =>
  edges.flatMap((e) => violationOf(e) ?? []);
