/**
 * What `top` shows, as the lines of one screen: pure, from the live frame and what the user did.
 * Every piece of text from outside (names, cwds, messages, history) is made one line here
 * (terminal.ts) before the screen's own escape sequences are added around whole lines.
 */
import { formatElapsed } from "../../core/duration.ts";
import type { LiveFrame, LiveRow } from "../jobs/live.ts";
import { eventLine } from "./eventLine.ts";
import { cutEnd, displayWidth, shortId, tildePath } from "./fit.ts";
import { bytes, clock, type ColumnFit, table } from "./format.ts";
import { oneLine } from "./terminal.ts";
import { statusText } from "./views.ts";

export type Mode = "list" | "filter" | "confirm" | "logs";

export interface TopState {
  readonly mode: Mode;
  /** The selected job's id. */
  readonly selected: string | undefined;
  readonly filter: string;
  /** A line for the user: what a kill did, why a key did nothing. */
  readonly notice: string | undefined;
  /** The selected job's history, rendered, while `mode` is `logs`. */
  readonly logs: ReadonlyArray<string>;
}

export interface Size { readonly columns: number; readonly rows: number }

const SGR = { bold: "\x1b[1m", reverse: "\x1b[7m", dim: "\x1b[2m", red: "\x1b[31m", reset: "\x1b[0m" } as const;

/** The rows the filter lets through: a case-insensitive part of the id, name, status, kind, cwd or last message. */
export const filtered = (rows: ReadonlyArray<LiveRow>, filter: string): ReadonlyArray<LiveRow> => {
  const f = filter.trim().toLowerCase();
  if (f === "") return rows;
  return rows.filter((r) => [r.key, r.job?.name, r.job?.status, r.kind, r.cwd, r.lastAgentMessage]
    .some((v) => v !== undefined && v.toLowerCase().includes(f)));
};

/** The last agent message, else when the history last moved. */
const lastText = (r: LiveRow, now: number): string =>
  r.lastAgentMessage !== undefined ? r.lastAgentMessage
    : r.lastActivityAt !== undefined ? `active ${formatElapsed(Math.max(0, now - r.lastActivityAt))} ago` : "-";

const tokens = (n: number | undefined) => (n === undefined ? "-" : n < 10_000 ? String(n) : `${Math.round(n / 1000)}k`);

// Narrowed, the last message gives way first, then the name; then the least needed columns go.
const JOB_FIT: ReadonlyArray<ColumnFit> = [{}, {}, { cut: "end", min: 6, drop: 3 }, {}, {}, {}, { drop: 2 }, { drop: 4 }, { drop: 1 }, { cut: "end", min: 12 }];
const OTHER_FIT: ReadonlyArray<ColumnFit> = [{}, {}, { cut: "end", min: 6 }, {}, {}, { drop: 2 }, { drop: 1 }, { cut: "middle", min: 12, drop: 3 }, { cut: "end", min: 12 }];

interface Line { readonly text: string; readonly style?: "bold" | "selected" | "dim" | "alert" }

const jobLines = (rows: ReadonlyArray<LiveRow>, selected: string | undefined, width: number, now: number): { lines: Line[]; at: number } => {
  if (rows.length === 0) return { lines: [{ text: "  no running jobs", style: "dim" }], at: -1 };
  const cells = rows.map((r) => [
    r.key === selected ? ">" : " ", shortId(r.key), r.job?.name ?? "-", r.job ? statusText({ job: r.job, strays: [] }) : r.kind,
    `${r.cpu}%`, bytes(r.memory), formatElapsed(Math.max(0, now - r.startedAt)), tokens(r.tokens), r.pids.slice(0, 2).join(",") || "-", lastText(r, now),
  ]);
  const text = table(["", "JOB", "NAME", "STATUS", "CPU", "MEM", "ELAPSED", "TOKENS", "PIDS", "LAST"], cells, { width, fit: JOB_FIT }).split("\n");
  const at = rows.findIndex((r) => r.key === selected);
  return {
    lines: text.map((t, i) => ({ text: t, ...(i === 0 ? { style: "bold" as const } : i - 1 === at ? { style: "selected" as const } : {}) })),
    at: at < 0 ? -1 : at + 1,
  };
};

const otherLines = (rows: ReadonlyArray<LiveRow>, width: number, now: number): Line[] => {
  if (rows.length === 0) return [];
  const cells = rows.map((r) => [
    " ", String(r.pids[0] ?? r.key), r.kind, `${r.cpu}%`, bytes(r.memory), formatElapsed(Math.max(0, now - r.startedAt)), tokens(r.tokens),
    r.cwd === undefined ? "-" : tildePath(r.cwd), lastText(r, now),
  ]);
  const text = table(["", "PID", "KIND", "CPU", "MEM", "ELAPSED", "TOKENS", "CWD", "LAST"], cells, { width, fit: OTHER_FIT }).split("\n");
  return [{ text: `other Codex, not started by the supervisor (${rows.length})`, style: "bold" }, ...text.map((t, i) => ({ text: t, ...(i === 0 ? { style: "bold" as const } : {}) }))];
};

const footer = (state: TopState, selectedRow: LiveRow | undefined): Line => {
  if (state.mode === "filter") return { text: `filter: ${state.filter}▏  (Enter keeps it, Esc clears it)`, style: "selected" };
  if (state.mode === "confirm" && selectedRow) {
    return { text: `kill job ${shortId(selectedRow.key)}${selectedRow.job?.name ? ` (${selectedRow.job.name})` : ""} and its whole tree? y to confirm, any other key cancels`, style: "alert" };
  }
  if (state.notice) return { text: state.notice, style: "selected" };
  if (state.mode === "logs") return { text: "↑↓ PgUp PgDn scroll · l or Esc back · q quit", style: "dim" };
  return { text: `↑↓ select · l logs · k kill · / filter${state.filter ? ` (${state.filter})` : ""} · q quit`, style: "dim" };
};

const paint = (line: Line, width: number, color: boolean): string => {
  const text = cutEnd(oneLine(line.text), width);
  if (!color || !line.style) return text;
  if (line.style === "selected") return `${SGR.reverse}${text}${" ".repeat(Math.max(0, width - displayWidth(text)))}${SGR.reset}`;
  return `${SGR[line.style === "alert" ? "red" : line.style]}${text}${SGR.reset}`;
};

/** The visible part of `lines`, `rows` long, keeping line `keep` in view. */
const windowed = <T>(lines: ReadonlyArray<T>, rows: number, keep: number): ReadonlyArray<T> => {
  if (lines.length <= rows) return lines;
  const start = Math.min(Math.max(0, keep - Math.floor(rows / 2)), lines.length - rows);
  return lines.slice(start, start + rows);
};

/** The screen, a string per row (at most `size.rows`, none wider than `size.columns`). */
export const renderScreen = (frame: LiveFrame, state: TopState, size: Size, options: { readonly color: boolean; readonly intervalMs: number; readonly logsOffset?: number }): string[] => {
  const { columns: width, rows: height } = size;
  const now = frame.at;
  const jobs = filtered(frame.jobs, state.filter);
  const others = filtered(frame.others, state.filter);
  const selectedRow = jobs.find((r) => r.key === state.selected);
  const title: Line = {
    text: `codex-supervisor top · ${clock(now)} · ${jobs.length} job(s), ${others.length} other Codex · every ${formatElapsed(options.intervalMs)}${state.filter ? ` · filter "${state.filter}"` : ""}`,
    style: "bold",
  };
  const bottom = footer(state, selectedRow);
  if (state.mode === "logs") {
    const head: Line = { text: `logs of job ${selectedRow ? shortId(selectedRow.key) : "?"}${selectedRow?.job?.name ? ` (${selectedRow.job.name})` : ""}`, style: "bold" };
    const body = state.logs.flatMap((l) => l.split("\n")).map((text): Line => ({ text }));
    const room = Math.max(0, height - 3);
    const end = Math.max(0, body.length - (options.logsOffset ?? 0));
    const shown = body.slice(Math.max(0, end - room), end);
    return [title, head, ...shown, ...Array.from({ length: room - shown.length }, (): Line => ({ text: "" })), bottom].slice(0, height).map((l) => paint(l, width, options.color));
  }
  const eventsRoom = Math.min(frame.events.length, Math.max(2, Math.floor(height / 4)));
  const events: Line[] = eventsRoom === 0 ? [] : [
    { text: "events (newest last)", style: "bold" },
    ...frame.events.slice(-eventsRoom).map((e): Line => ({ text: eventLine(e, clock) })),
  ];
  const { lines: jobPart, at } = jobLines(jobs, state.selected, width, now);
  const top = [...jobPart, ...otherLines(others, width, now)];
  const room = Math.max(1, height - 2 - events.length);
  const shown = windowed(top, room, Math.max(at, 0));
  const filler = Array.from({ length: Math.max(0, room - shown.length) }, (): Line => ({ text: "" }));
  return [title, ...shown, ...filler, ...events, bottom].slice(0, height).map((l) => paint(l, width, options.color));
};
