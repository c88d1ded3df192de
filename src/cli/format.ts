import { formatElapsed } from "../core/duration.ts";

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

const DAY_MS = 86_400_000;
const days = new Map<number, string>();
const pad = (n: number, width: number) => String(n).padStart(width, "0");

/**
 * `new Date(ms).toISOString()`, at a third of its cost: the date part is formatted once per
 * day and kept, the time of day is plain arithmetic. `list --all --json` formats two per job.
 */
export const isoTime = (ms: number): string => {
  const day = Math.floor(ms / DAY_MS);
  let date = days.get(day);
  if (date === undefined) {
    if (days.size >= 4096) days.clear();
    days.set(day, (date = new Date(day * DAY_MS).toISOString().slice(0, -13)));
  }
  const t = ms - day * DAY_MS;
  return `${date}${pad(Math.floor(t / 3_600_000), 2)}:${pad(Math.floor(t / 60_000) % 60, 2)}:${pad(Math.floor(t / 1000) % 60, 2)}.${pad(t % 1000, 3)}Z`;
};

export const elapsed = (fromMs: number, toMs = Date.now()): string => formatElapsed(toMs - fromMs);

/** Left-aligned columns sized to their widest cell; the last column is never padded. */
export const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: ReadonlyArray<string>) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
};

export const truncate = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;
