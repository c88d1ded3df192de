/**
 * Text cut to the terminal's width. Widths are counted as a terminal shows them
 * (`Bun.stringWidth`: a CJK character or an emoji takes two columns, a combining mark none),
 * never in bytes or UTF-16 units.
 */
import { isatty } from "node:tty";
import { homedir } from "node:os";

export const ELLIPSIS = "…";

/** Columns a terminal uses to show `text`. */
export const displayWidth = (text: string): number => Bun.stringWidth(text);

/**
 * How wide the output may be: `COLUMNS` when set, else the terminal's width when stdout is one;
 * `undefined` (no limit) when neither, and always with `--wide`.
 */
export const outputWidth = (wide: boolean, env: Readonly<Record<string, string | undefined>> = process.env): number | undefined => {
  if (wide) return undefined;
  const columns = Number(env.COLUMNS);
  if (env.COLUMNS !== undefined && Number.isInteger(columns) && columns > 0) return columns;
  // process.stdout is built only here, for a terminal: a pipe never pays for it (see output.ts)
  return isatty(1) ? process.stdout.columns || undefined : undefined;
};

/** The longest start of `text` that fits in `max` columns. */
const fitStart = (text: string, max: number): string => {
  let out = "";
  let used = 0;
  for (const ch of text) {
    const w = displayWidth(ch);
    if (used + w > max) break;
    out += ch;
    used += w;
  }
  return out;
};

/** The longest end of `text` that fits in `max` columns. */
const fitEnd = (text: string, max: number): string => {
  const chars = [...text];
  let out = "";
  let used = 0;
  for (let i = chars.length - 1; i >= 0; i--) {
    const w = displayWidth(chars[i]!);
    if (used + w > max) break;
    out = chars[i]! + out;
    used += w;
  }
  return out;
};

/** `text` cut at the end with `…` to fit `max` columns. */
export const cutEnd = (text: string, max: number): string => {
  if (displayWidth(text) <= max) return text;
  if (max <= 0) return "";
  return `${fitStart(text, max - 1)}${ELLIPSIS}`;
};

/** `text` with its middle replaced by `…` to fit `max` columns: a path keeps its root and its last folder. */
export const cutMiddle = (text: string, max: number): string => {
  if (displayWidth(text) <= max) return text;
  if (max <= 1) return cutEnd(text, max);
  // the end is what tells one project from another: its last folder is kept whole where it fits
  const last = displayWidth(text.slice(text.lastIndexOf("/")));
  const tail = Math.max(Math.ceil((max - 1) / 2), last <= max - 4 ? last : 0);
  return `${fitStart(text, max - 1 - tail)}${ELLIPSIS}${fitEnd(text, tail)}`;
};

/** A path with the home folder written `~`, as a shell shows it. */
export const tildePath = (path: string, home: string = homedir()): string =>
  home !== "/" && home !== "" && (path === home || path.startsWith(`${home}/`)) ? `~${path.slice(home.length)}` : path;

/** `text` broken into lines of at most `max` columns, at spaces where it can be, inside a word where it must. */
export const wrap = (text: string, max: number): string[] => {
  if (max <= 0 || displayWidth(text) <= max) return [text];
  const lines: string[] = [];
  let rest = text;
  while (displayWidth(rest) > max) {
    const head = fitStart(rest, max) || [...rest][0]!;
    const space = head.lastIndexOf(" ");
    const cut = rest[head.length] === " " || space <= 0 ? head.length : space;
    lines.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).replace(/^ +/, "");
  }
  if (rest !== "") lines.push(rest);
  return lines;
};

/** A job's or thread's id as tables show it: a job id's first 8 characters (unique in practice). */
export const shortId = (id: string): string => id.slice(0, 8);

/**
 * A thread id as tables show it. Codex's thread ids are UUIDv7, whose first 12 hex digits are the
 * time: two threads started the same minute share their first 8. Their random last 8 tell them apart.
 */
export const shortThread = (id: string): string => (id.length > 9 ? `${ELLIPSIS}${id.slice(-8)}` : id);

/** Each line of `text` wrapped to `max` columns, a wrapped part indented under its line (a report such as doctor's). */
export const wrapLines = (text: string, max: number | undefined): string => {
  if (max === undefined) return text;
  return text.split("\n").flatMap((line) => {
    const lead = /^ */.exec(line)![0].length;
    const more = " ".repeat(lead === 0 ? 4 : lead + 2);
    const [first = "", ...rest] = wrap(line, max);
    return [first, ...rest.flatMap((part) => wrap(part, max - more.length).map((p) => more + p))];
  }).join("\n");
};
