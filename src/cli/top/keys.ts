/** A key as `top` reads it from a terminal in raw mode. */
export type Key =
  | { readonly name: "up" | "down" | "pageUp" | "pageDown" | "home" | "end" | "enter" | "escape" | "backspace" | "interrupt" }
  | { readonly name: "char"; readonly char: string };

const SEQUENCES: ReadonlyArray<readonly [string, Key["name"]]> = [
  ["\x1b[A", "up"], ["\x1bOA", "up"], ["\x1b[B", "down"], ["\x1bOB", "down"],
  ["\x1b[5~", "pageUp"], ["\x1b[6~", "pageDown"],
  ["\x1b[H", "home"], ["\x1bOH", "home"], ["\x1b[1~", "home"], ["\x1b[F", "end"], ["\x1bOF", "end"], ["\x1b[4~", "end"],
];

/** The keys in one read from the terminal: a paste or a fast typist gives several at once. */
export const parseKeys = (input: string): Key[] => {
  const keys: Key[] = [];
  let i = 0;
  while (i < input.length) {
    const seq = SEQUENCES.find(([s]) => input.startsWith(s, i));
    if (seq) { keys.push({ name: seq[1] } as Key); i += seq[0].length; continue; }
    const ch = input[i]!;
    if (ch === "\x1b") {
      // another escape sequence (a function key): skipped whole, not read as Esc and letters
      const m = /^\x1b(\[[0-9;]*[~A-Za-z]|O[A-Za-z])/.exec(input.slice(i));
      if (m) { i += m[0].length; continue; }
      keys.push({ name: "escape" });
    } else if (ch === "\r" || ch === "\n") keys.push({ name: "enter" });
    else if (ch === "\x7f" || ch === "\b") keys.push({ name: "backspace" });
    else if (ch === "\x03") keys.push({ name: "interrupt" });
    else if (ch >= " ") keys.push({ name: "char", char: ch });
    i++;
  }
  return keys;
};
