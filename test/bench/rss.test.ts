/**
 * bench/lib/rss.ts measures a command's peak RSS from a process of its own, because a child's
 * maxrss starts from its parent's high-water mark.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { measured, readPeak } from "../../bench/lib/rss.ts";

const MB = 1024 * 1024;
const scratch = mkdtempSync(join(tmpdir(), "cs-rss-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.runIf(process.platform === "linux")("peak RSS of a command", () => {
  it("reads the parent's peak through a direct child, and the command's own through the measurer", () => {
    // a parent that touches 300 MB, then runs a child that holds ~20 MB (an idle Bun) both ways
    const out = join(scratch, "peak.json");
    const parent = [
      "const held = Buffer.alloc(300 * 1024 * 1024, 1);",
      `const direct = Bun.spawnSync([process.execPath, "-e", "1"]);`,
      `const viaMeasurer = Bun.spawnSync(${JSON.stringify(measured(out, [process.execPath, "-e", "1"]))});`,
      "console.log(JSON.stringify({ direct: direct.resourceUsage.maxRSS, code: viaMeasurer.exitCode, held: held[7] }));",
    ].join("\n");
    const run = Bun.spawnSync([process.execPath, "-e", parent]);
    expect(run.stderr.toString()).toBe("");
    const { direct, code } = JSON.parse(run.stdout.toString()) as { direct: number; code: number };
    expect(code).toBe(0);
    const peak = readPeak(out);
    expect(direct).toBeGreaterThan(280 * MB); // the parent's 300 MB, not the child's
    expect(peak.maxRss).toBeLessThan(150 * MB); // the child's own
    expect(peak.maxRss).toBeGreaterThan(5 * MB);
    expect(peak.floor).toBeGreaterThan(5 * MB);
    expect(peak.floor).toBeLessThan(150 * MB);
  }, 30_000);

  it("passes the command's output and exit code through", () => {
    const out = join(scratch, "code.json");
    const run = Bun.spawnSync(measured(out, ["sh", "-c", "echo hello; echo oops >&2; exit 3"]));
    expect(run.stdout.toString()).toBe("hello\n");
    expect(run.stderr.toString()).toBe("oops\n");
    expect(run.exitCode).toBe(3);
    expect(readPeak(out).maxRss).toBeGreaterThan(0);
  });
});
