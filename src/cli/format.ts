import { formatElapsed } from "../core/duration.ts";
import { oneLine } from "./terminal.ts";

export const shortId = (id: string): string => id.slice(0, 8);

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

/** Left-aligned columns sized to their widest cell; the last column is never padded. Each cell is one line (terminal.ts). */
export const table = (header: ReadonlyArray<string>, cells: ReadonlyArray<ReadonlyArray<string>>): string => {
  const rows = cells.map((r) => r.map(oneLine));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: ReadonlyArray<string>) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
};

export const truncate = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

/** `key value` lines, the keys padded to `width`; each value is one line (terminal.ts). */
export const fields = (rows: ReadonlyArray<readonly [string, string]>, width: number, indent = ""): string[] =>
  rows.map(([k, v]) => `${indent}${k.padEnd(width)} ${oneLine(v)}`);
