/**
 * `--json` output a piece at a time. `list --all --json` of 100,000 jobs is tens of MB of text; made
 * at once, it was one string, a buffer of its bytes and 100,000 JSON views alive together, a far
 * higher peak RSS than printed this way (`bun bench/tools/cli-ab.ts --ended 100000 --read -- list
 * --all --json`; BENCHMARKS.md, "Measurements behind the code"). A top-level object's lists are stringified a batch of items at a
 * time, and a `JsonList`'s items become their JSON views only when their batch does. The text is
 * exactly `JSON.stringify(value, null, 2)`.
 */

/** A list whose items become JSON (through `view`) only as they are printed. */
export class JsonList<A> {
  constructor(readonly items: ReadonlyArray<A>, readonly view: (item: A) => unknown) {}
  /** What `JSON.stringify` sees, where it meets the list whole. */
  toJSON(): ReadonlyArray<unknown> {
    return this.items.map(this.view);
  }
}

const BATCH = 512;
const same = <A>(item: A): unknown => item;

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== "object" || value === null || "toJSON" in value) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

/** A list field's text: `"key": [` then the items a batch at a time, then `]`, indented as one level down. */
function* listPieces(key: string, list: JsonList<unknown>): Generator<string> {
  const { items, view } = list;
  const name = JSON.stringify(key);
  if (items.length === 0) {
    yield `  ${name}: []`;
    return;
  }
  // Stringified inside `{ key: [...] }`, the items get their final indentation: only the
  // wrapper's head and tail are cut off.
  const head = `{\n  ${name}: [`.length;
  const tail = "\n  ]\n}".length;
  for (let at = 0; at < items.length; at += BATCH) {
    const batch = items.slice(at, at + BATCH).map(view);
    const text = JSON.stringify({ [key]: batch }, null, 2);
    yield `${at === 0 ? `  ${name}: [` : ","}${text.slice(head, -tail)}`;
  }
  yield "\n  ]";
}

/** The pieces of `JSON.stringify(value, null, 2)`, in order. */
export function* jsonPieces(value: unknown): Generator<string> {
  if (!isPlainObject(value)) {
    yield JSON.stringify(value, null, 2) ?? "undefined";
    return;
  }
  let fields = 0;
  for (const [key, field] of Object.entries(value)) {
    const list = field instanceof JsonList ? field : Array.isArray(field) && field.length > BATCH ? new JsonList(field, same) : undefined;
    let pieces: Iterable<string>;
    if (list) pieces = listPieces(key, list);
    else {
      // `{\n  "key": value\n}`, or `{}` for a value JSON leaves out (undefined, a function)
      const text = JSON.stringify({ [key]: field }, null, 2);
      if (text === "{}") continue;
      pieces = [text.slice(2, -2)];
    }
    yield fields++ === 0 ? "{\n" : ",\n";
    yield* pieces;
  }
  yield fields === 0 ? "{}" : "\n}";
}
