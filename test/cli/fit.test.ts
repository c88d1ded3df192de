import { describe, expect, it } from "vitest";
import { cutEnd, cutMiddle, displayWidth, outputWidth, shortThread, tildePath, wrap, wrapLines } from "../../src/app/text/fit.ts";
import { fields, table } from "../../src/app/text/format.ts";

describe("fitting text to a width", () => {
  it("counts a CJK character and an emoji as two columns, not as bytes", () => {
    expect(displayWidth("日本")).toBe(4);
    expect(cutEnd("日本語のメッセージ", 7)).toBe("日本語…");
    expect(displayWidth(cutEnd("日本語のメッセージ", 7))).toBeLessThanOrEqual(7);
  });

  it("cuts a path in the middle, keeping its root and its last folder", () => {
    const cut = cutMiddle("/home/me/projects/very/deep/folder/my-project", 24);
    expect(cut).toBe("/home/me/pr…r/my-project");
    expect(cutMiddle("/home/me/projects/very/deep/folder/a-much-longer-project-name", 36)).toBe("/home/me…/a-much-longer-project-name");
    expect(displayWidth(cut)).toBe(24);
  });

  it("writes the home folder as ~, and only a whole folder name", () => {
    expect(tildePath("/home/me/x", "/home/me")).toBe("~/x");
    expect(tildePath("/home/me", "/home/me")).toBe("~");
    expect(tildePath("/home/meat/x", "/home/me")).toBe("/home/meat/x");
  });

  it("shortens a UUIDv7 thread id to its random end: two threads of the same minute stay apart", () => {
    expect(shortThread("01a1fc64-6af5-7082-9263-1c7347954802")).toBe("…47954802");
    expect(shortThread("01a1fc64-6b04-70a3-9fbf-5114a82dcc4b")).not.toBe(shortThread("01a1fc64-6af5-7082-9263-1c7347954802"));
  });

  it("wraps at spaces, and inside a word longer than the line", () => {
    expect(wrap("the quick brown fox jumps", 10)).toEqual(["the quick", "brown fox", "jumps"]);
    expect(wrap("abcdefghijkl", 5)).toEqual(["abcde", "fghij", "kl"]);
    expect(wrapLines("✓ check: a long detail that goes on", 16).split("\n").every((l) => displayWidth(l) <= 16)).toBe(true);
  });

  it("takes COLUMNS when set, and no limit with --wide", () => {
    expect(outputWidth(false, { COLUMNS: "77" })).toBe(77);
    expect(outputWidth(true, { COLUMNS: "77" })).toBeUndefined();
  });
});

describe("a table given a width", () => {
  const header = ["JOB", "NAME", "MESSAGE", "CWD"];
  const rows = [["abcd1234", "a-rather-long-name", "a message that goes on and on and on and on", "/home/me/projects/deep/folder/project"]];
  const fit = [{}, { cut: "end" as const, min: 6, drop: 1 }, { cut: "end" as const, min: 10 }, { cut: "middle" as const, min: 12 }];

  it("cuts its cut columns and keeps every line within the width", () => {
    const lines = table(header, rows, { width: 60, fit }).split("\n");
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(60);
    expect(lines[1]).toContain("abcd1234");
    expect(lines[1]).toContain("…");
  });

  it("drops a droppable column when the narrowest cells do not fit", () => {
    const lines = table(header, rows, { width: 40, fit }).split("\n");
    expect(lines[0]).not.toContain("NAME");
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(40);
  });

  it("is as wide as it needs without a width", () => {
    expect(table(header, rows, { fit }).split("\n")[1]).toContain(rows[0]![3]);
  });

  it("wraps a field's value under itself", () => {
    const lines = fields([["message", "one two three four five six seven"]], 9, "", 24);
    expect(lines).toEqual(["message   one two three", "          four five six", "          seven"]);
  });
});
