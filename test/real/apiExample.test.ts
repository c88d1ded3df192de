import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createSandbox, REPO, type Sandbox } from "./support/harness.ts";
import { appFolder } from "./api/scripts.ts";
import { runApp } from "./api/run.ts";

let sb: Sandbox;
beforeAll(() => {
  sb = createSandbox();
  sb.writeGlobalConfig({ codex: { args: ["--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"] } });
});
afterAll(async () => { await sb.cleanup(); });

/** The code block under `<!-- example-app -->` in docs/api.md, as it is published. */
const exampleApp = (): string => {
  const doc = readFileSync(join(REPO, "docs/api.md"), "utf8");
  const block = /<!-- example-app -->\n```ts\n([\s\S]*?)```/.exec(doc);
  if (!block) throw new Error("docs/api.md has no example-app block");
  return block[1]!;
};

test("the example app in docs/api.md waits for two jobs, prints their messages, kills the one over its limit, and exits", async () => {
  const project = sb.project("example-project");
  const app = appFolder(sb.root, "example-app");
  writeFileSync(join(app, "app.ts"), exampleApp());
  writeFileSync(join(project, "tasks.json"), JSON.stringify([
    { name: "alpha", prompt: "REPLY: alpha is done" },
    { name: "beta", prompt: "RUN: echo beta-tool\nREPLY: beta is done" },
    // the model keeps it waiting: a job that runs too long
    { name: "slow", prompt: "STALL: 300" },
  ]));
  const run = await runApp([process.execPath, join(app, "app.ts"), "tasks.json"], project, { ...sb.env, TASK_LIMIT_MS: "45000" }, 120_000);
  expect(run.killed, run.stderr).toBe(false);
  expect(run.code, run.stderr).toBe(0);
  const lines = run.stdout.trim().split("\n").sort();
  expect(lines).toHaveLength(3);
  expect(lines[0]).toBe("alpha: completed: alpha is done");
  expect(lines[1]).toBe("beta: completed: beta is done");
  expect(lines[2]).toMatch(/^slow: ran over 45 s: killed, \d+ processes ended$/);
  // every process of every job is gone: the two finished, the slow one's whole tree was ended
  expect(sb.livePids()).toEqual([]);
}, 150_000);
