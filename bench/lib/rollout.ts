/**
 * Rollout files in Codex's own format (0.169), of any length: the header and first turn
 * of a recorded session (test/fixtures/rollouts/v0.169-exec-one-command.jsonl), then
 * more turns of the same records (prompt, command, 4 KB of output, tokens, answer)
 * until the file reaches the size asked for. Every turn is complete.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { REPO } from "./context.ts";

const FIXTURE = join(REPO, "test/fixtures/rollouts/v0.169-exec-one-command.jsonl");
const FIXTURE_THREAD = "01a1fc64-6af5-7082-9263-1c7347954802";
/** The fixture lines that make one turn after the first (the instructions are sent once). */
const TURN_LINES = [1, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18];
const OUTPUT = `${"build step ok: compiled module, ran checks, wrote artifacts\n".repeat(70)}`;

type Json = Record<string, unknown>;

export const writeRollout = async (path: string, threadId: string, cwd: string, targetBytes: number): Promise<number> => {
  const lines = readFileSync(FIXTURE, "utf8").trimEnd().split("\n")
    .map((l) => l.replaceAll(FIXTURE_THREAD, threadId).replaceAll("/tmp/exp", cwd));
  mkdirSync(dirname(path), { recursive: true });
  const file = Bun.file(path).writer({ highWaterMark: 1024 * 1024 });
  let bytes = 0;
  const put = (line: string) => { file.write(`${line}\n`); bytes += Buffer.byteLength(line) + 1; };
  for (const line of lines) put(line);
  const turn = TURN_LINES.map((i) => JSON.parse(lines[i]!) as Json);
  let ordinal = lines.length;
  let at = Date.parse("2026-11-21T04:37:00.000Z");
  for (let n = 1; bytes < targetBytes; n++) {
    for (const template of turn) {
      const record = structuredClone(template);
      record.ordinal = ordinal++;
      record.timestamp = new Date((at += 7)).toISOString();
      const payload = record.payload as Json;
      if (payload.type === "function_call_output") payload.output = `Chunk ID: ${n}\nWall time: 0.2 seconds\nProcess exited with code 0\nOutput:\n${OUTPUT}`;
      if (payload.type === "message" && payload.role === "user") payload.content = [{ type: "input_text", text: `step ${n}: run the build again` }];
      put(JSON.stringify(record));
    }
    if (n % 256 === 0) await file.flush();
  }
  await file.end();
  return bytes;
};
