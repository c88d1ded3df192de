import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const REPO = resolve(import.meta.dirname, "../..");

const sources = (dir: string): string[] =>
  readdirSync(join(REPO, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => join(e.parentPath, e.name));

// `import { Effect } from "effect"` evaluates every module of the library (~110 ms of CPU and
// ~12 MB per CLI start, measured by bench/); `import * as Effect from "effect/Effect"` only the ones used.
describe("start-up cost", () => {
  it("no module the CLI can load imports the effect barrel", () => {
    const offenders = [...sources("src"), ...sources("plugins")]
      .filter((file) => /from\s+["']effect["']/.test(readFileSync(file, "utf8")))
      .map((file) => file.slice(REPO.length + 1));
    expect(offenders).toEqual([]);
  });
});
