import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { expect, test } from "vitest";

const PLUGINS = resolve(import.meta.dirname, "../../plugins");
const PUBLIC = new Set(["codex-supervisor", "codex-supervisor/plugin"]);

/** Every module a file imports (static, dynamic, type-only). */
const importsOf = (source: string): string[] =>
  [...source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm)].map((m) => m[1]!);

test("the built-in plugins import only the public API, node built-ins and their own files", () => {
  const offenders = readdirSync(PLUGINS, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .flatMap((e) => {
      const file = join(e.parentPath, e.name);
      return importsOf(readFileSync(file, "utf8"))
        .filter((spec) => !PUBLIC.has(spec) && !spec.startsWith("node:") && !(spec.startsWith("./") && !spec.includes("..")))
        .map((spec) => `${file.slice(PLUGINS.length + 1)} imports ${spec}`);
    });
  expect(offenders).toEqual([]);
});

test("the check sees an import of the internals", () => {
  expect(importsOf(`import { z } from "zod";\nimport type { X } from "../../src/core/launch.ts";\nconst m = await import("../x.ts");`))
    .toEqual(["zod", "../../src/core/launch.ts", "../x.ts"]);
});
