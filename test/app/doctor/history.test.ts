import { Database } from "bun:sqlite";
import { Effect } from "effect";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, test } from "vitest";
import { judgeCodexBinary, judgeRollout, judgeStateDb, KNOWN_STATE_DB, parseCodexVersion } from "../../../src/app/doctor/codex.ts";
import { newestRollout, rolloutFacts, stateDbFacts } from "../../../src/app/doctor/history.ts";
import { CodexHistory } from "../../../src/services/CodexHistory.ts";
import { ROLLOUTS } from "../../core/history/fixtures.ts";

let home: string;
beforeEach(() => { home = mkdtempSync(join(tmpdir(), "cs-doctor-home-")); });
afterEach(() => rmSync(home, { recursive: true, force: true }));

const placeRollout = (fixture: string, day: string, name: string) => {
  const dir = join(home, "sessions", ...day.split("/"));
  mkdirSync(dir, { recursive: true });
  copyFileSync(fixture, join(dir, name));
  return join(dir, name);
};

const readRollout = (codexHome: string) => Effect.runPromise(rolloutFacts(codexHome).pipe(Effect.provide(CodexHistory.layer)));

const stateDb = (name: string, columns: string) => {
  const db = new Database(join(home, name));
  db.run("PRAGMA journal_mode = WAL");
  db.run(`CREATE TABLE threads (${columns})`);
  db.close();
};

test("the newest rollout is found by its dated folder and file name, without opening any", () => {
  placeRollout(ROLLOUTS.v128, "2025/12/31", "rollout-2025-12-31T23-59-59-a.jsonl");
  placeRollout(ROLLOUTS.v169, "2026/01/02", "rollout-2026-01-02T08-00-00-b.jsonl");
  const newest = placeRollout(ROLLOUTS.v169, "2026/01/02", "rollout-2026-01-02T09-00-00-c.jsonl");
  mkdirSync(join(home, "sessions", "2026", "01", "03")); // an empty day is skipped
  expect(newestRollout(home)).toBe(newest);
  expect(newestRollout(join(home, "nowhere"))).toBeUndefined();
});

test("a history this version reads is ok and names the Codex that wrote it", async () => {
  placeRollout(ROLLOUTS.v169, "2026/11/21", "rollout-2026-11-21T04-36-41-x.jsonl");
  const facts = await readRollout(home);
  expect(facts).toMatchObject({ kind: "read", cliVersion: "0.169.0" });
  expect(judgeRollout(facts, "0.169.0").status).toBe("ok");
});

test("a history without the records it relies on is reported unsupported, with the Codex version, not misread", async () => {
  placeRollout(ROLLOUTS.future, "2027/03/01", "rollout-2027-03-01T10-00-00-y.jsonl");
  const facts = await readRollout(home);
  expect(facts).toMatchObject({ kind: "unsupported", cliVersion: "1.4.0" });
  const check = judgeRollout(facts, "1.4.0");
  expect(check.status).toBe("fail");
  expect(check.detail).toContain("unsupported Codex history format (codex 1.4.0)");
  expect(check.fix).toContain("upgrade codex-supervisor");
});

test("a state database with a number this version does not know is reported as such, with the Codex version", () => {
  stateDb(`state_${KNOWN_STATE_DB + 2}.sqlite`, "id, rollout_path, created_at, cwd, title");
  const facts = stateDbFacts(home);
  expect(facts).toMatchObject({ kind: "read", number: KNOWN_STATE_DB + 2 });
  const check = judgeStateDb(facts, "1.4.0");
  expect(check.status).toBe("warn");
  expect(check.detail).toContain(`state_${KNOWN_STATE_DB + 2}.sqlite is newer than any this version knows`);
  expect(check.detail).toContain("codex 1.4.0");
});

test("a state database without the columns read is an unsupported format; a known one is ok", () => {
  stateDb("state_5.sqlite", "uid, path");
  const reshaped = judgeStateDb(stateDbFacts(home), "0.170.0");
  expect(reshaped.status).toBe("warn");
  expect(reshaped.detail).toContain("unsupported Codex state database format (codex 0.170.0)");
  expect(reshaped.detail).toContain("id, rollout_path, created_at, cwd, title");
  rmSync(join(home, "state_5.sqlite"));
  stateDb("state_5.sqlite", "id, rollout_path, created_at, cwd, title, source");
  expect(judgeStateDb(stateDbFacts(home), "0.169.0").status).toBe("ok");
  expect(judgeStateDb(stateDbFacts(join(home, "none")), undefined).status).toBe("ok");
});

test("reading Codex's state database leaves nothing beside it", () => {
  stateDb("state_5.sqlite", "id, rollout_path, created_at, cwd, title");
  stateDbFacts(home);
  expect(readdirSync(home)).toEqual(["state_5.sqlite"]);
});

test("the codex binary: missing says how to get one, present shows its version", () => {
  expect(parseCodexVersion("codex-cli 0.169.0\n")).toBe("0.169.0");
  const missing = judgeCodexBinary({ bin: "codex", source: "default", configFile: undefined, resolved: undefined, version: undefined });
  expect(missing.status).toBe("fail");
  expect(missing.fix).toContain("npm install -g @openai/codex");
  const fromEnv = judgeCodexBinary({ bin: "/opt/codex", source: "env", configFile: undefined, resolved: undefined, version: undefined });
  expect(fromEnv.fix).toContain("CODEX_SUPERVISOR_CODEX");
  const found = judgeCodexBinary({
    bin: "codex", source: "default", configFile: undefined, resolved: "/usr/bin/codex",
    version: { exitCode: 0, stdout: "codex-cli 0.169.0\n", stderr: "", timedOut: false },
  });
  expect(found).toMatchObject({ status: "ok", detail: "codex-cli 0.169.0 at /usr/bin/codex (from PATH)" });
  const hung = judgeCodexBinary({
    bin: "codex", source: "default", configFile: undefined, resolved: "/usr/bin/codex",
    version: { exitCode: null, stdout: "", stderr: "", timedOut: true },
  });
  expect(hung.status).toBe("fail");
  expect(hung.detail).toContain("did not answer in time");
});
