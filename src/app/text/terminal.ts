/**
 * Text that came from outside — a job's name, any Codex's cwd, what a job printed, a path in a
 * config error — made safe to print on a terminal. A terminal acts on control characters: ESC
 * starts sequences that clear the screen or set the window title, BEL ends some of them, C1's
 * U+009B is a CSI of its own, CR overwrites the line, and the bidi controls reorder what is shown.
 * Each such character is printed as an escape a person can read (`\x1b`, `\u202e`).
 *
 * Every text view passes through `terminalSafe` in the CLI's writers (output.ts); a table cell or
 * a `key value` field also passes through `oneLine`, so that a newline in a cwd cannot split a
 * row. `--json` is left alone: JSON.stringify escapes every C0 character itself, and the strings
 * stay exact.
 */

/** C0, DEL, C1, and the bidi controls (embeddings, overrides, isolates, marks) and line separators. */
const CONTROL_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x00, 0x1f], [0x7f, 0x9f], [0x061c, 0x061c], [0x200e, 0x200f], [0x2028, 0x202e], [0x2066, 0x2069],
];
/** What may not appear inside one line: all of them. */
const BREAKING = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;
const BREAKING_ALL = new RegExp(BREAKING.source, "g");
/** What may not appear in text of several lines: all but newline and tab. */
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, "g");

const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

// Each escape is made once: a history of binary output can hold a million control characters,
// and a lookup costs a fraction of building the escape again.
const ESCAPES = new Map<string, string>();
for (const [from, to] of CONTROL_RANGES) {
  for (let code = from; code <= to; code++) {
    const ch = String.fromCharCode(code);
    ESCAPES.set(ch, NAMED[ch] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`));
  }
}
const escape = (ch: string): string => ESCAPES.get(ch) ?? ch;

/** Text for a terminal: lines and tabs kept, every other control character shown escaped. */
export const terminalSafe = (text: string): string => (UNSAFE.test(text) ? text.replace(UNSAFE_ALL, escape) : text);

/** One line for a terminal: a newline or tab shown escaped too (a table cell, a `key value` field). */
export const oneLine = (text: string): string => (BREAKING.test(text) ? text.replace(BREAKING_ALL, escape) : text);
