/**
 * Letting go of clean file pages: which mappings qualify (only ones that hold nothing but
 * copies of their file), and, in a child process, that it lowers RSS and the process goes on
 * working, the dropped code coming back from the page cache.
 */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseSmaps } from "../../../src/services/proc/cleanPages.ts";

const mapping = (head: string, counters: { rss: number; dirty: number; anon: number }) => [
  head,
  `Size:               1024 kB`,
  `Rss:                ${counters.rss} kB`,
  `Pss:                ${counters.rss} kB`,
  `Private_Clean:      ${counters.rss - counters.dirty} kB`,
  `Private_Dirty:      ${counters.dirty} kB`,
  `Anonymous:          ${counters.anon} kB`,
  `VmFlags: rd ex mr mw me dw`,
].join("\n");

describe("parseSmaps", () => {
  it("keeps only file-backed, private, unwritable mappings with resident pages and none dirty or anonymous", () => {
    const text = [
      mapping("00200000-00400000 r--p 00000000 08:01 1234 /usr/bin/bun", { rss: 900, dirty: 0, anon: 0 }), // kept
      mapping("00400000-00800000 r-xp 00200000 08:01 1234 /usr/bin/bun", { rss: 2000, dirty: 0, anon: 0 }), // kept
      mapping("00800000-00900000 r--p 00600000 08:01 1234 /usr/bin/bun", { rss: 64, dirty: 64, anon: 64 }), // relocated, then read-only
      mapping("00900000-00a00000 rw-p 00700000 08:01 1234 /usr/bin/bun", { rss: 32, dirty: 0, anon: 0 }), // writable
      mapping("00a00000-00b00000 r--p 00000000 08:01 99 /usr/lib/libc.so.6", { rss: 0, dirty: 0, anon: 0 }), // nothing resident
      mapping("00b00000-00c00000 r--s 00000000 08:01 77 /tmp/shared", { rss: 10, dirty: 0, anon: 0 }), // shared
      mapping("00c00000-00d00000 r--p 00000000 00:00 0 ", { rss: 10, dirty: 0, anon: 0 }), // anonymous
      mapping("7ffd0000-7ffe0000 r--p 00000000 00:00 0 [vvar]", { rss: 8, dirty: 0, anon: 0 }),
    ].join("\n");
    expect(parseSmaps(text).map((m) => [m.start.toString(16), m.end.toString(16), m.rssKb])).toEqual([
      ["200000", "400000", 900],
      ["400000", "800000", 2000],
    ]);
  });

  it("leaves out a mapping whose counters it did not see", () => {
    expect(parseSmaps("00200000-00400000 r--p 00000000 08:01 1234 /usr/bin/bun\nRss: 100 kB\n")).toEqual([]);
  });
});

describe.runIf(process.platform === "linux")("releaseCleanFilePages", () => {
  it("lowers this process's file-backed RSS, and what was dropped comes back when used", async () => {
    const script = `
      const { readFileSync } = require("node:fs");
      const fileKb = () => Number(/RssFile:\\s+(\\d+)/.exec(readFileSync("/proc/self/status", "latin1"))[1]);
      const { releaseCleanFilePages } = await import(${JSON.stringify(resolve(import.meta.dirname, "../../../src/services/proc/cleanPages.ts"))});
      const Effect = await import("effect/Effect");
      await Effect.runPromise(Effect.sleep(1));
      const before = fileKb();
      const released = releaseCleanFilePages();
      const after = fileKb();
      // run code whose pages were dropped: a parser, the JIT, Effect's runtime, a collection
      const value = await Effect.runPromise(Effect.gen(function* () { yield* Effect.sleep(5); return JSON.parse(JSON.stringify({ n: [1, 2, 3] })).n.reduce((a, b) => a + b, 0); }));
      Bun.gc(true);
      console.log(JSON.stringify({ before, released, after, value }));
    `;
    const child = Bun.spawnSync([process.execPath, "-e", script], { cwd: resolve(import.meta.dirname, "../../.."), stderr: "pipe" });
    expect(child.stderr.toString()).toBe("");
    expect(child.exitCode).toBe(0);
    const { before, released, after, value } = JSON.parse(child.stdout.toString()) as { before: number; released: number; after: number; value: number };
    expect(value).toBe(6);
    expect(released).toBeGreaterThan(1024);
    expect(after).toBeLessThan(before - 1024);
  });
});
