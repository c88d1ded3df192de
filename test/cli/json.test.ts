/**
 * `printJson` prints a top-level object's long lists a batch at a time (src/cli/json.ts); what it
 * prints must be exactly `JSON.stringify(value, null, 2)`.
 */
import { describe, expect, it } from "vitest";
import { JsonList, jsonPieces } from "../../src/cli/json.ts";

const text = (value: unknown) => [...jsonPieces(value)].join("");
const item = (i: number) => ({ id: `job-${i}`, n: i, nested: { list: [i, null, "x"], empty: {}, none: [] }, at: new Date(i * 1000), skip: undefined });
const items = (n: number) => Array.from({ length: n }, (_, i) => item(i));

describe("jsonPieces", () => {
  it.each([
    ["an empty object", {}],
    ["only fields JSON leaves out", { a: undefined, f: () => 1 }],
    ["a short list and scalars", { jobs: items(3), count: 3, name: "ü – \"quoted\"\n" }],
    ["empty lists", { jobs: [], untracked: [] }],
    ["lists of a batch, a batch and one, and several", { a: items(512), b: items(513), c: items(1500) }],
    ["a key that needs escaping", { 'we"ird [key]\n': items(600), "": 1 }],
    ["holes and undefined items in a long list", { xs: [...Array.from({ length: 700 }, (_, i) => (i % 3 === 0 ? undefined : i))] }],
    ["a list, then fields left out, then more", { xs: items(520), gone: undefined, tail: { deep: [1, [2, [3]]] } }],
    ["a top-level list", items(600)],
    ["a top-level string", "plain"],
    ["null", null],
    ["an object with toJSON", { toJSON: () => ({ replaced: items(600) }) }],
  ])("prints %s as JSON.stringify does", (_, value) => {
    expect(text(value)).toBe(JSON.stringify(value, null, 2));
  });

  it("makes a JsonList's views only as their batch is printed, and prints them as the mapped list", () => {
    const source = Array.from({ length: 1300 }, (_, i) => i);
    let viewed = 0;
    const list = new JsonList(source, (i) => (viewed++, item(i)));
    const pieces = jsonPieces({ jobs: list, untracked: [] });
    let printed = "";
    for (const piece of pieces) {
      printed += piece;
      if (printed.includes(`"job-600"`)) break;
    }
    expect(viewed).toBe(1024); // two batches of 512, not all 1,300
    expect(text({ jobs: list, untracked: [] })).toBe(JSON.stringify({ jobs: source.map(item), untracked: [] }, null, 2));
    expect(text({ jobs: new JsonList([], item) })).toBe(JSON.stringify({ jobs: [] }, null, 2));
    expect(JSON.stringify({ jobs: list })).toBe(JSON.stringify({ jobs: source.map(item) })); // whole, through toJSON
  });

  it("yields a long list in pieces, not as one string", () => {
    const pieces = [...jsonPieces({ jobs: items(5000) })];
    expect(pieces.length).toBeGreaterThan(5000 / 512);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(text({ jobs: items(5000) }).length / 5);
  });
});
