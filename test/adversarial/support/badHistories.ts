/** Rollout files that break every assumption a reader could make: cut short, garbage, huge lines, unknown records, gone. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "./cli.ts";
import type { Random } from "./random.ts";

export const FIXTURE = readFileSync(join(REPO, "test/fixtures/rollouts/v0.169-exec-one-command.jsonl"), "utf8");
const FIXTURE_LINES = FIXTURE.trimEnd().split("\n");
const tenMegabytes = (text: string) => text.repeat(Math.ceil(10_485_760 / text.length)).slice(0, 10_485_760);

/** Rollout files that break every assumption a reader could make, by name. */
export const badHistories = (r: Random): Record<string, Uint8Array | string | "missing" | "directory" | "vanishing"> => {
  const garbage = () => Buffer.from(Array.from({ length: r.int(1, 4000) }, () => r.int(0, 255)));
  const mid = Math.floor(FIXTURE_LINES.length / 2);
  return {
    "truncated mid-line": FIXTURE.slice(0, FIXTURE.length - 500),
    "binary garbage between records": Buffer.concat(FIXTURE_LINES.flatMap((line, i) =>
      [Buffer.from(`${line}\n`), ...(i > 0 && i % 3 === 0 ? [garbage(), Buffer.from("\n")] : [])])),
    "a 10 MB line mid-file": [
      ...FIXTURE_LINES.slice(0, mid),
      JSON.stringify({ timestamp: "2026-11-21T04:36:45.000Z", type: "response_item", payload: { type: "message", role: "assistant", content: [{ type: "output_text", text: tenMegabytes("all work and no play ") }] } }),
      ...FIXTURE_LINES.slice(mid), "",
    ].join("\n"),
    "a 10 MB last line with no newline": `${FIXTURE_LINES[0]}\n${tenMegabytes("\u00ff\u0000garbage")}`,
    "unknown record types": [
      FIXTURE_LINES[0],
      JSON.stringify({ timestamp: "2026-11-21T04:36:42Z", type: "quantum_state", payload: { qubits: 7 } }),
      JSON.stringify({ timestamp: "2026-11-21T04:36:42Z", type: "event_msg", payload: { type: "telepathy", level: 9 } }),
      JSON.stringify({ timestamp: "2026-11-21T04:36:42Z", type: "response_item", payload: { type: "hologram" } }),
      JSON.stringify({ type: "event_msg", payload: "not an object" }),
      "[1,2,3]", "null", "\"just a string\"",
      ...FIXTURE_LINES.slice(1), "",
    ].join("\n"),
    "a first line that is not a session record": `${garbage().toString("latin1")}\n${FIXTURE}`,
    "an empty file": "",
    "a file that is not there": "missing",
    "a directory where the file should be": "directory",
    "a file vanishing and coming back while read": "vanishing",
  };
};
