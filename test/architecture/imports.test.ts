import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type Edge, importGraph, PLUGIN_IMPORT_DEBT, sourceFiles, violations } from "./layers.ts";

const REPO = resolve(import.meta.dirname, "../..");
const graph = importGraph(REPO);

describe("import direction", () => {
  it("the repository's imports go only the allowed ways", () => {
    expect(graph.length).toBeGreaterThan(500); // the walk did find the sources
    expect(violations(graph)).toEqual([]);
  });

  it("every plugin import listed as debt still exists (the list only shrinks)", () => {
    const stale = PLUGIN_IMPORT_DEBT.filter((d) => !graph.some((e) => e.from === d.from && e.to === d.to));
    expect(stale).toEqual([]);
  });

  it("each rule catches its violation in a graph given by hand", () => {
    const planted: Edge[] = [
      { from: "src/mcp/start.ts", to: "src/cli/start.ts" },
      { from: "src/cli/watch.ts", to: "src/watchdog/loop.ts" },
      { from: "src/api/service.ts", to: "src/mcp/run.ts" },
      { from: "src/index.ts", to: "src/cli/main.ts" },
      { from: "src/core/policy.ts", to: "src/config/policies.ts" },
      { from: "src/core/tree.ts", to: "src/services/ProcessTable.ts" },
      { from: "src/app/runtime.ts", to: "src/cli/args.ts" },
      { from: "src/services/JobStore.ts", to: "src/app/jobs/find.ts" },
      { from: "src/hooks/run.ts", to: "src/watchdog/fire.ts" },
      { from: "src/app/jobs/list.ts", to: "src/main.ts" },
      { from: "plugins/notify/index.ts", to: "src/core/duration.ts" },
    ];
    expect(violations(planted).map((v) => v.split(":")[0])).toEqual(planted.map((e) => `${e.from} -> ${e.to}`));
    const allowed: Edge[] = [
      { from: "src/main.ts", to: "src/cli/main.ts" },
      { from: "src/cli/list.ts", to: "src/app/jobs/list.ts" },
      { from: "src/app/jobs/list.ts", to: "src/services/JobStore.ts" },
      { from: "src/app/jobs/list.ts", to: "src/core/job.ts" },
      { from: "src/core/tree.ts", to: "src/core/process.ts" },
      { from: "plugins/notify/index.ts", to: "src/index.ts" },
      { from: "plugins/notify/index.ts", to: "src/plugin.ts" },
      { from: "plugins/notify/index.ts", to: "plugins/notify/payload.ts" },
    ];
    expect(violations(allowed)).toEqual([]);
  });

  describe("in a tree of files with violations planted", () => {
    const root = mkdtempSync(join(tmpdir(), "cs-imports-"));
    afterAll(() => rmSync(root, { recursive: true, force: true }));
    const plant = (file: string, text: string) => {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      writeFileSync(join(root, file), text);
    };
    plant("src/core/job.ts", `import { z } from "zod";\nimport type { Row } from "../services/db/rows.ts";\n// import { x } from "../cli/x.ts" (a comment is no import)\n`);
    plant("src/services/db/rows.ts", `export type Row = { id: string };\n`);
    plant("src/mcp/start.ts", `import {\n  describePython,\n} from "../cli/start.ts";\nconst server = () => import("../watchdog/loop.ts");\n`);
    plant("src/cli/start.ts", `export const describePython = 1;\n`);
    plant("src/watchdog/loop.ts", `export {};\n`);
    plant("plugins/kill/index.ts", `import { definePlugin } from "codex-supervisor";\nimport { duration } from "../../src/config/fields.ts";\nexport { size } from "../../src/config/sizes.ts";\n`);

    it("finds each: multi-line, dynamic, re-export and type-only imports included", () => {
      expect(violations(importGraph(root)).map((v) => v.split(":")[0]).sort()).toEqual([
        "plugins/kill/index.ts -> src/config/sizes.ts",
        "src/core/job.ts -> src/services/db/rows.ts",
        "src/mcp/start.ts -> src/cli/start.ts",
        "src/mcp/start.ts -> src/watchdog/loop.ts",
      ]);
    });
  });
});

// `import { Effect } from "effect"` evaluates every module of the library (~110 ms of CPU and
// ~12 MB per CLI start, measured by bench/); `import * as Effect from "effect/Effect"` only the ones used.
describe("start-up cost", () => {
  it("no module the CLI can load imports the effect barrel", () => {
    const files = sourceFiles(REPO);
    const offenders = files.filter((file) => /from\s+["']effect["']/.test(readFileSync(join(REPO, file), "utf8")));
    expect(files.length).toBeGreaterThan(100);
    expect(offenders).toEqual([]);
  });
});
