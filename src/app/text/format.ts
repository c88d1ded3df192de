import { formatElapsed } from "../../core/duration.ts";
import { cutEnd, cutMiddle, displayWidth, wrap } from "./fit.ts";
import { oneLine } from "./terminal.ts";

export { shortId } from "./fit.ts";

export const bytes = (n: number): string => {
  if (n < 1024) return `${n}B`;
  const units = ["K", "M", "G", "T"];
  let v = n / 1024, i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)}${units[i]}`;
};

export const clock = (ms: number): string => {
  const d = new Date(ms);
  const sameDay = new Date().toDateString() === d.toDateString();
  const time = d.toTimeString().slice(0, 8);
  return sameDay ? time : `${d.toISOString().slice(0, 10)} ${time}`;
};

export const elapsed = (fromMs: number, toMs = Date.now()): string => formatElapsed(toMs - fromMs);

/** How a column gives way when a table is wider than the terminal. */
export interface ColumnFit {
  /** Cut at the end (`end`, a message) or in the middle (`middle`, a path); absent: never cut. */
  readonly cut?: "end" | "middle";
  /** The narrowest a cut column gets (default: its header, at least 8). */
  readonly min?: number;
  /** Left out when even the narrowest columns do not fit: the highest first. */
  readonly drop?: number;
}

export interface TableOptions {
  /** The most columns a line may take (`outputWidth`); no limit when absent. */
  readonly width?: number | undefined;
  /** One per column, in the header's order. */
  readonly fit?: ReadonlyArray<ColumnFit>;
}

const GAP = 2;

/** Which columns are shown and how wide, so that a line fits `limit`. */
const layout = (natural: ReadonlyArray<number>, header: ReadonlyArray<string>, fit: ReadonlyArray<ColumnFit>, limit: number) => {
  const widths = [...natural];
  const shown = natural.map(() => true);
  const minOf = (i: number) => (fit[i]?.cut ? Math.min(natural[i]!, fit[i]?.min ?? Math.max(displayWidth(header[i]!), 8)) : natural[i]!);
  const total = (w: (i: number) => number) => widths.reduce((sum, _, i) => sum + (shown[i] ? w(i) + GAP : 0), -GAP);
  const droppable = natural.map((_, i) => i).filter((i) => fit[i]?.drop !== undefined).sort((a, b) => fit[b]!.drop! - fit[a]!.drop!);
  while (total(minOf) > limit && droppable.length > 0) shown[droppable.shift()!] = false;
  let over = total((i) => widths[i]!) - limit;
  while (over > 0) {
    let widest = -1;
    widths.forEach((w, i) => {
      if (shown[i] && w > minOf(i) && (widest < 0 || w - minOf(i) > widths[widest]! - minOf(widest))) widest = i;
    });
    if (widest < 0) break;
    widths[widest]!--;
    over--;
  }
  return { widths, shown };
};

/**
 * Left-aligned columns sized to their widest cell; the last column is never padded. Each cell is
 * one line (terminal.ts). Given a width, the cut columns give way first, then the droppable ones
 * go, and a line still too long is cut: no line is wider than `width`.
 */
export const table = (header: ReadonlyArray<string>, cells: ReadonlyArray<ReadonlyArray<string>>, options: TableOptions = {}): string => {
  const rows = cells.map((r) => r.map(oneLine));
  const fit = options.fit ?? [];
  const natural = header.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ""))));
  const { widths, shown } = options.width === undefined ? { widths: natural, shown: natural.map(() => true) } : layout(natural, header, fit, options.width);
  const lastShown = shown.lastIndexOf(true);
  const cellText = (c: string, i: number) => (displayWidth(c) <= widths[i]! ? c : fit[i]?.cut === "middle" ? cutMiddle(c, widths[i]!) : cutEnd(c, widths[i]!));
  const line = (r: ReadonlyArray<string>) => {
    const text = r.flatMap((c, i) => {
      if (!shown[i]) return [];
      const t = cellText(c, i);
      return [i === lastShown ? t : t + " ".repeat(Math.max(0, widths[i]! - displayWidth(t)))];
    }).join(" ".repeat(GAP)).trimEnd();
    return options.width === undefined ? text : cutEnd(text, options.width);
  };
  return [line(header), ...rows.map(line)].join("\n");
};

export const truncate = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

/**
 * `key value` lines, the keys padded to `width`; each value is one line (terminal.ts), or, given a
 * `lineWidth`, as many as it takes to fit, each further one indented under the value.
 */
export const fields = (rows: ReadonlyArray<readonly [string, string]>, width: number, indent = "", lineWidth?: number): string[] =>
  rows.flatMap(([k, v]) => {
    const head = `${indent}${k.padEnd(width)} `;
    if (lineWidth === undefined) return [`${head}${oneLine(v)}`];
    const room = Math.max(lineWidth - head.length, 8);
    return wrap(oneLine(v), room).map((part, i) => `${i === 0 ? head : " ".repeat(head.length)}${part}`);
  });
