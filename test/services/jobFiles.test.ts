import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { OUTPUT_CAP_BYTES, OUTPUT_KEEP_BYTES } from "../../src/core/waiter.ts";
import { prepareJobFiles, readExit, readTail, trimOutput } from "../../src/services/jobFiles.ts";

const scratch = mkdtempSync(join(tmpdir(), "cs-jobfiles-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("a job's files", () => {
  test("are made private: the folders 0700 (an existing one too), the output files 0600", () => {
    // as in the state dir, `<state>/codex-supervisor/jobs/<id>`: a folder of ours by name
    const jobs = join(scratch, "codex-supervisor", "jobs");
    mkdirSync(jobs, { recursive: true, mode: 0o755 });
    chmodSync(jobs, 0o755);
    const paths = prepareJobFiles(join(jobs, "a"));
    expect(statSync(jobs).mode & 0o777).toBe(0o700);
    expect(statSync(paths.dir).mode & 0o777).toBe(0o700);
    expect(statSync(paths.stdout).mode & 0o777).toBe(0o600);
    expect(statSync(paths.stderr).mode & 0o777).toBe(0o600);
  });

  test("the exit status reads as the code and the file's mtime; pending while missing or half written; none without a folder", () => {
    const paths = prepareJobFiles(join(scratch, "jobs", "b"));
    expect(readExit(paths.dir)).toEqual({ _tag: "Pending" });
    writeFileSync(paths.exit, "");
    expect(readExit(paths.dir)).toEqual({ _tag: "Pending" });
    writeFileSync(paths.exit, "137\n");
    utimesSync(paths.exit, new Date(1_700_000_000_123), new Date(1_700_000_000_123));
    expect(readExit(paths.dir)).toEqual({ _tag: "Exited", code: 137, at: 1_700_000_000_123 });
    expect(readExit(join(scratch, "jobs", "never-launched"))).toEqual({ _tag: "NoWaiter" });
  });

  const line = (i: number) => `line ${String(i).padStart(10, "0")} ${"x".repeat(40)}\n`;
  /** The numbers of the whole lines of a trimmed file (its first line may be cut mid-way), in order. */
  const numbersIn = (text: string) => text.split("\n").slice(1, -1).map((l) => Number(/^line (\d{10}) /.exec(l)?.[1]));

  test("a file over the cap is cut to about its tail, whole lines after the first, the last line kept; one under it is left alone", () => {
    const path = join(scratch, "out");
    const count = Math.ceil((OUTPUT_CAP_BYTES * 1.5) / line(0).length);
    writeFileSync(path, Array.from({ length: count }, (_, i) => line(i + 1)).join(""));
    expect(trimOutput(path)).toBe(true);
    const kept = readFileSync(path, "utf8");
    // whole blocks dropped where the filesystem collapses a range, else copied from a line start
    expect(kept.length).toBeLessThanOrEqual(OUTPUT_KEEP_BYTES + Number(statSync(path).blksize));
    expect(kept.length).toBeGreaterThan(OUTPUT_KEEP_BYTES - line(0).length);
    expect(kept.endsWith(line(count))).toBe(true);
    const numbers = numbersIn(kept);
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => count - numbers.length + 1 + i));
    expect(trimOutput(path)).toBe(false);
    expect(readFileSync(path, "utf8")).toBe(kept);
  });

  test("nothing a process appends while its file is trimmed is lost", async () => {
    const path = join(scratch, "appended");
    writeFileSync(path, "");
    // a chatty Codex: O_APPEND, a write a line, as fast as the shell goes
    const writer = Bun.spawn(["sh", "-c", `i=0; while [ $i -lt 60000 ]; do i=$((i+1)); printf 'line %010d %s\\n' $i ${"x".repeat(40)}; done >>"$0"`, path]);
    let trims = 0;
    while (writer.exitCode === null) {
      if (trimOutput(path)) trims++;
      await Bun.sleep(1);
    }
    expect(await writer.exited).toBe(0);
    expect(trims).toBeGreaterThan(2);
    const numbers = numbersIn(readFileSync(path, "utf8"));
    expect(numbers.at(-1)).toBe(60_000);
    expect(numbers.filter((n, i) => i > 0 && n !== numbers[i - 1]! + 1)).toEqual([]);
  });

  test("the tail of a long file starts at a whole line", () => {
    const path = join(scratch, "tail");
    writeFileSync(path, "first line\nsecond line\nthird\n");
    expect(readTail(path, 1000)).toBe("first line\nsecond line\nthird\n");
    expect(readTail(path, 15)).toBe("third\n");
    expect(readTail(join(scratch, "missing"), 10)).toBeUndefined();
  });
});
