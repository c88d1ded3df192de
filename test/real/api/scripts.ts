/**
 * The apps the API tests run: each is written to a folder outside the checkout, imports the
 * package by its name through a node_modules symlink, prints what it saw as one JSON line and
 * then just returns — the test asserts that the process exits by itself.
 */
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "../support/harness.ts";

/** A folder under `root` with `node_modules/codex-supervisor` pointing at this checkout. */
export const appFolder = (root: string, name: string): string => {
  const dir = join(root, name);
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  symlinkSync(REPO, join(dir, "node_modules", "codex-supervisor"));
  return dir;
};

/**
 * The whole life of one app, in the API's own words. Statements only: it runs as TypeScript under
 * Bun and, with its one type annotation stripped, as JavaScript under Node.
 */
export const lifecycleApp = (entry: string) => `
import { createSupervisor, isSupervisorError } from ${JSON.stringify(entry)};

const out = {};
const poll = async (what, check, ms = 60000) => {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting for " + what + ": " + JSON.stringify(out));
    await new Promise((r) => setTimeout(r, 100));
  }
};

const sv = createSupervisor({ cwd: process.env.PROJECT, database: process.env.API_DB, codexHome: process.env.CODEX_HOME });
const first = await sv.start({ prompt: "RUN: echo from-the-tool\\nREPLY: first job done", name: "first" });
out.first = first;
out.listed = (await sv.list({ all: true })).jobs.find((j) => j.jobId === first.jobId) ?? null;
out.followedLogs = [];
for await (const e of sv.followLogs(first.jobId)) out.followedLogs.push(e);
out.done = await sv.waitFor(first.jobId, { timeoutMs: 60000 });
out.logs = await sv.logs(first.jobId);
const resumed = await sv.resume(first.jobId, { prompt: "REPLY: resumed and done", name: "first-again", args: ["-c", 'model_reasoning_effort="low"'] });
out.resumed = await sv.waitFor(resumed.jobId, { timeoutMs: 60000 });
out.tail = await sv.logs(first.jobId, { tail: 1 });

const second = await sv.start({ prompt: "RUN: sleep 120\\nHOLD: 300", name: "second" });
const followed = [];
const following = (async () => { for await (const e of sv.events({ follow: true, job: second.jobId })) followed.push(e); })();
const running = await poll("the sleep in the job's tree", async () => {
  const s = await sv.status(second.jobId);
  out.lastStatus = s;
  return s.tree.some((p) => p.command.startsWith("sleep 120")) ? s : undefined;
});
out.treeBeforeKill = running.pids;
out.kill = await sv.kill(second.jobId, { grace: "1s" });
await poll("the kill event in the followed list", () => followed.some((e) => e.kind === "kill"));
out.followed = followed;
out.events = [];
for await (const e of sv.events({ job: second.jobId })) out.events.push(e);
out.afterKill = await sv.status(second.jobId);

try { await sv.status("0badc0de"); out.unknown = null; }
catch (e) { out.unknown = { typed: isSupervisorError(e, "JobNotFound"), tag: e._tag, message: e.message }; }
try { await sv.waitFor(first.jobId, { status: "running", timeoutMs: 300 }); out.timeout = null; }
catch (e) { out.timeout = { typed: isSupervisorError(e, "WaitTimeout"), message: e.message }; }

await sv.close();
await following;
out.closedFollow = true;
try { await sv.list(); out.afterClose = null; } catch (e) { out.afterClose = e._tag; }
console.log(JSON.stringify(out));
`;
