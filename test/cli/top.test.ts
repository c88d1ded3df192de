import { expect, test } from "vitest";
import type { Job } from "../../src/core/job.ts";
import type { LiveFrame, LiveRow } from "../../src/app/jobs/live.ts";
import { parseKeys } from "../../src/cli/top/keys.ts";
import { renderScreen, type TopState } from "../../src/app/text/topScreen.ts";

const NOW = Date.parse("2026-12-06T20:00:00Z");
const row = (id: string, name: string, extra: Partial<LiveRow> = {}): LiveRow => ({
  key: id, job: { id, name, status: "running", createdAt: NOW - 65_000, resumedFrom: undefined } as unknown as Job, kind: "exec",
  pids: [4242, 4250], cpu: 12.5, memory: 200 * 1024 * 1024, startedAt: NOW - 65_000, cwd: "/work/app", tokens: 1520,
  lastAgentMessage: "all done", lastActivityAt: NOW - 1000, tree: [], rolloutPath: undefined, ...extra,
});
const frame = (jobs: LiveRow[]): LiveFrame => ({
  jobs, others: [], at: NOW, full: true,
  events: [{ id: 1, at: NOW - 500, kind: "kill", jobId: jobs[0]?.key, pid: undefined, policy: undefined, action: "kill", message: "kill command: killed\x1b[2J", data: undefined }],
});
const state = (over: Partial<TopState> = {}): TopState => ({ mode: "list", selected: undefined, filter: "", notice: undefined, logs: [], ...over });
// the screen's own sequences: SGR (colours, reverse video) only
const withoutSgr = (line: string) => line.replace(/\x1b\[[0-9;]*m/g, "");

test("a job whose name and message hold escape sequences shows them escaped: they cannot act on the terminal", () => {
  const evil = row("1a2b3c4d-0000-4000-8000-000000000000", "x\x1b]0;pwned\x07\x1b[2J", { lastAgentMessage: "line\nbreak \u202egnp.exe" });
  const lines = renderScreen(frame([evil]), state({ selected: evil.key }), { columns: 200, rows: 20 }, { color: true, intervalMs: 1000 });
  for (const line of lines) expect(withoutSgr(line)).not.toMatch(/[\x00-\x1f\x7f-\x9f\u202e]/);
  const text = lines.map(withoutSgr).join("\n");
  expect(text).toContain("x\\x1b]0;pwned\\x07\\x1b[2J");
  expect(text).toContain("line\\nbreak \\u202egnp.exe");
  expect(text).toContain("kill command: killed\\x1b[2J");
});

test("the screen fits the terminal, keeps the selected job in view, and marks it", () => {
  const jobs = Array.from({ length: 40 }, (_, i) => row(`${String(i).padStart(8, "0")}-0000-4000-8000-000000000000`, `job-${i}`));
  const selected = jobs[35]!.key;
  const lines = renderScreen(frame(jobs), state({ selected }), { columns: 60, rows: 15 }, { color: false, intervalMs: 1000 });
  expect(lines).toHaveLength(15);
  for (const line of lines) expect(Bun.stringWidth(line)).toBeLessThanOrEqual(60);
  expect(lines.find((l) => l.startsWith(">"))).toContain("00000035");
  expect(lines.at(-1)).toContain("q quit");
});

test("NO_COLOR: not one escape sequence", () => {
  const jobs = [row("1a2b3c4d-0000-4000-8000-000000000000", "plain")];
  const lines = renderScreen(frame(jobs), state({ selected: jobs[0]!.key, mode: "confirm" }), { columns: 120, rows: 12 }, { color: false, intervalMs: 1000 });
  expect(lines.join("\n")).not.toContain("\x1b");
  expect(lines.at(-1)).toContain("kill job 1a2b3c4d (plain) and its whole tree? y to confirm");
});

test("keys: arrows, Esc, Enter, Ctrl-C and text from one read, other escape sequences skipped whole", () => {
  expect(parseKeys("\x1b[A\x1b[Bk/ab\r\x1b\x03\x1b[15~q").map((k) => (k.name === "char" ? k.char : k.name)))
    .toEqual(["up", "down", "k", "/", "a", "b", "enter", "escape", "interrupt", "q"]);
});
