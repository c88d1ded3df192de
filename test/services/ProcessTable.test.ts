import { readdirSync, readlinkSync } from "node:fs";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import { describe, expect, it } from "vitest";
import { chooseBackend, ProcessTable } from "../../src/services/ProcessTable.ts";

describe("chooseBackend", () => {
  it("is /proc on Linux and portable elsewhere, unless CODEX_SUPERVISOR_PROCESS_TABLE says otherwise", () => {
    expect(chooseBackend({}, "linux").backend).toBe("linux");
    expect(chooseBackend({}, "darwin").backend).toBe("portable");
    expect(chooseBackend({ CODEX_SUPERVISOR_PROCESS_TABLE: "portable" }, "linux")).toEqual({ backend: "portable", why: "CODEX_SUPERVISOR_PROCESS_TABLE=portable" });
    expect(chooseBackend({ CODEX_SUPERVISOR_PROCESS_TABLE: "linux" }, "darwin")).toEqual({ backend: "portable", why: "the default on darwin (CODEX_SUPERVISOR_PROCESS_TABLE=linux ignored: not Linux)" });
    expect(chooseBackend({ CODEX_SUPERVISOR_PROCESS_TABLE: "procfs" }, "linux").why).toContain("expected portable or linux");
  });
});

// The vitest workers are threads of one process, so /proc/self/fd holds every running test file's
// descriptors: count only those naming what the table opens, by descriptor and target.
const descriptors = (): Map<string, string> => {
  const found = new Map<string, string>();
  for (const fd of readdirSync("/proc/self/fd")) {
    try { found.set(fd, readlinkSync(`/proc/self/fd/${fd}`)); } catch { /* closed between the two reads */ }
  }
  return found;
};
const opened = (before: Map<string, string>, now: Map<string, string>, target: (path: string) => boolean) =>
  [...now].filter(([fd, path]) => target(path) && before.get(fd) !== path);

describe.runIf(process.platform === "linux")("ProcessTable.layerLinux", () => {
  it("holds descriptors on the processes it follows while its scope is open, and closes every one with it", async () => {
    const children = Array.from({ length: 5 }, () => Bun.spawn(["sleep", "30"], { stdout: "ignore" }));
    try {
      const ours = new Set(["/proc/loadavg", "/proc/stat", ...children.map((c) => `/proc/${c.pid}/stat`)]);
      const before = descriptors();
      const during = await Effect.runPromise(Effect.scoped(Effect.gen(function* () {
        const context = yield* Layer.build(ProcessTable.layerLinux);
        const table = yield* Effect.provideContext(Effect.gen(function* () { return yield* ProcessTable; }), context);
        const known = (yield* table.snapshot()).filter((p) => children.some((c) => c.pid === p.pid));
        expect(known).toHaveLength(5);
        yield* table.watermark();
        expect((yield* table.counters(known))._tag).toBe("Same");
        return descriptors();
      })));
      // one per process followed, then /proc/loadavg and /proc/stat. Other test files in this process (vitest's
      // threads) may hold machine-wide /proc files of their own tables: the closing is judged on the per-process ones
      const perProcess = new Set(children.map((c) => `/proc/${c.pid}/stat`));
      const held = opened(before, during, (path) => ours.has(path));
      expect(held.filter(([, path]) => perProcess.has(path)).map(([, path]) => path).sort()).toEqual([...perProcess].sort());
      expect(held.map(([, path]) => path)).toEqual(expect.arrayContaining(["/proc/loadavg", "/proc/stat"]));
      const after = descriptors();
      expect([...after].filter(([, path]) => perProcess.has(path))).toEqual([]);
    } finally {
      for (const c of children) c.kill("SIGKILL");
      await Promise.all(children.map((c) => c.exited));
    }
  });
});
