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

/** C0 but newline and tab, DEL, C1, and the bidi controls (embeddings, overrides, isolates, marks). */
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, "g");
/** The same, and newline and tab: what may not appear inside one line. */
const BREAKING = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;
const BREAKING_ALL = new RegExp(BREAKING.source, "g");

const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

const escape = (ch: string): string => {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
};

/** Text for a terminal: lines and tabs kept, every other control character shown escaped. */
export const terminalSafe = (text: string): string => (UNSAFE.test(text) ? text.replace(UNSAFE_ALL, escape) : text);

/** One line for a terminal: a newline or tab shown escaped too (a table cell, a `key value` field). */
export const oneLine = (text: string): string => (BREAKING.test(text) ? text.replace(BREAKING_ALL, escape) : text);
