import { describe, expect, test } from "vitest";
import { cleanLines, failureMessage, tailLines } from "../../src/core/output.ts";

describe("Codex's stderr as shown", () => {
  test("escape sequences and control characters are removed; long lines are cut", () => {
    expect(cleanLines("\u001b[31mERROR\u001b[0m: x\u0007\u001b]0;title\u0007\ttab")).toEqual(["ERROR: x\ttab"]);
    expect(cleanLines("a".repeat(1000))[0]!.length).toBe(400);
  });

  test("the tail skips blank lines and an unsymbolized backtrace", () => {
    const text = "user\nhi\n\nError: turn/start failed: Input exceeds the maximum length\n\nStack backtrace:\n   0: <unknown>\n   1: <unknown>\n";
    expect(tailLines(text)).toEqual(["user", "hi", "Error: turn/start failed: Input exceeds the maximum length"]);
    expect(tailLines("1\n2\n3\n4", 2)).toEqual(["3", "4"]);
  });

  test("the failure message starts at Codex's last error line and keeps what follows it", () => {
    const clap = ["WARNING: proceeding", "error: unexpected argument '--bogus-flag' found", "tip: to pass '--bogus-flag' as a value, use '-- --bogus-flag'", "Usage: codex exec [OPTIONS] [PROMPT]"];
    expect(failureMessage(clap)).toEqual(clap.slice(1));
    expect(failureMessage(["a", "b", "c"], 2)).toEqual(["b", "c"]);
    expect(failureMessage([])).toEqual([]);
  });
});
