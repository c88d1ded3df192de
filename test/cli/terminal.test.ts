import { describe, expect, it } from "vitest";
import { fields, table } from "../../src/app/text/format.ts";
import { oneLine, terminalSafe } from "../../src/app/text/terminal.ts";
import { makeWriter, terminalWriter } from "../../src/app/output.ts";

describe("terminalSafe", () => {
  it("shows ESC, BEL, CR and DEL escaped and keeps lines and tabs", () => {
    expect(terminalSafe("a\x1b]0;pwned\x07b\x1b[2J\rc\x7fd\n\te")).toBe("a\\x1b]0;pwned\\x07b\\x1b[2J\\rc\\x7fd\n\te");
  });

  it("shows C1 controls (U+009B is a CSI on its own) and bidi overrides escaped", () => {
    expect(terminalSafe("x\u009b2Jy\u0085z")).toBe("x\\x9b2Jy\\x85z");
    expect(terminalSafe("invoice\u202egpj.exe \u2066i\u2069 \u200f")).toBe("invoice\\u202egpj.exe \\u2066i\\u2069 \\u200f");
  });

  it("leaves ordinary text, accents, CJK and emoji as they are (the same string)", () => {
    const text = "café — 日本語 👩‍💻 /home/me/wörk";
    expect(terminalSafe(text)).toBe(text);
    expect(oneLine(text)).toBe(text);
  });

  it("is idempotent: what it printed once it prints the same again", () => {
    const once = terminalSafe("\x1b[31m\u009b\n");
    expect(terminalSafe(once)).toBe(once);
  });
});

describe("which characters", () => {
  it("escapes exactly C0, DEL, C1, ALM, LRM/RLM, the line separators, embeddings, overrides and isolates", () => {
    const escaped: number[] = [];
    for (let code = 0; code < 0x10000; code++) {
      const out = oneLine(String.fromCharCode(code));
      if (out !== String.fromCharCode(code)) {
        expect(out).toMatch(/^\\(x[0-9a-f]{2}|u[0-9a-f]{4}|[nrt])$/);
        escaped.push(code);
      }
    }
    const ranges = [[0x00, 0x1f], [0x7f, 0x9f], [0x061c, 0x061c], [0x200e, 0x200f], [0x2028, 0x202e], [0x2066, 0x2069]];
    expect(escaped).toEqual(ranges.flatMap(([from, to]) => Array.from({ length: to! - from! + 1 }, (_, i) => from! + i)));
  });
});

describe("oneLine", () => {
  it("shows a newline and a tab escaped as well", () => {
    expect(oneLine("/tmp/a\nb\tc\x1b")).toBe("/tmp/a\\nb\\tc\\x1b");
  });
});

describe("tables and fields", () => {
  it("keep a cell with a newline on its row", () => {
    const out = table(["NAME", "CWD"], [["a\x1b[2J", "/tmp/x\ny"], ["b", "/tmp"]]).split("\n");
    expect(out).toEqual(["NAME      CWD", "a\\x1b[2J  /tmp/x\\ny", "b         /tmp"]);
  });

  it("keep a value with a newline on its line", () => {
    expect(fields([["cwd", "/tmp/x\ny"]], 5, "  ")).toEqual(["  cwd   /tmp/x\\ny"]);
  });
});

describe("terminalWriter", () => {
  it("writes what it is given made terminal-safe", () => {
    const written: string[] = [];
    const raw = makeWriter(1, { writeSync: (_fd, data) => { written.push(String(data)); return Buffer.byteLength(String(data)); }, stream: () => ({ write: () => undefined }) });
    terminalWriter(raw).write("job \x1b]0;t\x07 ended\n");
    expect(written).toEqual(["job \\x1b]0;t\\x07 ended\n"]);
  });
});
