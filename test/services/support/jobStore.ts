import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";
import { Effect } from "effect";
import type { Job } from "../../../src/core/job.ts";
import { JobStore, type JobStoreService } from "../../../src/services/JobStore.ts";

const STORE_MODULE = new URL("../../../src/services/JobStore.ts", import.meta.url).pathname;
const BARRIER_WAIT_MS = 50_000;
const PROJECT_ROOT = new URL("../../..", import.meta.url).pathname;

export const job = (id: string, overrides: Partial<Job> = {}): Job => ({
  id, name: "fix tests", cwd: "/work/project", status: "running", createdAt: 1_000, endedAt: undefined,
  codexBin: "/usr/bin/codex", codexHome: "/home/u/.codex", args: ["exec", "--json", "fix it"],
  python: { kind: "venv", venv: "/work/project/.venv", python: "/work/project/.venv/bin/python", source: "discovered" },
  launcher: { pid: 4242, startTime: "123456", bootId: "boot-1", uid: 1000 },
  native: { pid: 4243, startTime: "123460", bootId: "boot-1", uid: 1000 },
  threadId: undefined, rolloutPath: undefined, resumedFrom: undefined, exitCode: undefined, killRequestedAt: undefined,
  ...overrides,
});

export const withStore = <A, E>(path: string, body: (store: JobStoreService) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.gen(function* () { return yield* body(yield* JobStore); }).pipe(Effect.provide(JobStore.layer(path))));
export const openError = (path: string) =>
  Effect.runPromise(Effect.flip(Effect.gen(function* () { yield* JobStore; }).pipe(Effect.provide(JobStore.layer(path)))));

/** Runs `count` bun processes that each wait at a barrier, then open the store together and run `body`. */
export const runChildren = async (dir: string, dbPath: string, count: number, body: string) => {
  const barrier = join(dir, "barrier");
  mkdirSync(barrier);
  const script = `
    import { existsSync } from "node:fs";
    import { Effect } from "effect";
    import { JobStore } from ${JSON.stringify(STORE_MODULE)};
    const { barrier, index, dbPath } = JSON.parse(process.env.CHILD);
    await Bun.write(barrier + "/ready-" + index, "");
    // A test that failed or timed out removes its folder: a child left waiting gives up, never lingers.
    const giveUpAt = Date.now() + ${BARRIER_WAIT_MS};
    while (!(await Bun.file(barrier + "/go").exists())) {
      if (Date.now() > giveUpAt || !existsSync(barrier)) process.exit(3);
      await Bun.sleep(5);
    }
    await Effect.runPromise(Effect.gen(function* () { const store = yield* JobStore; ${body} })
      .pipe(Effect.provide(JobStore.layer(dbPath))));`;
  const children = Array.from({ length: count }, (_, index) =>
    Bun.spawn([process.execPath, "-e", script], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, CHILD: JSON.stringify({ barrier, index, dbPath }) },
      stdout: "pipe", stderr: "pipe",
    }));
  try {
    const deadline = Date.now() + BARRIER_WAIT_MS;
    while (readdirSync(barrier).length < count) {
      if (Date.now() > deadline) throw new Error(`only ${readdirSync(barrier).length} of ${count} children reached the barrier`);
      await Bun.sleep(10);
    }
    writeFileSync(join(barrier, "go"), "");
    return await Promise.all(children.map(async (child) => ({ code: await child.exited, stderr: await new Response(child.stderr).text() })));
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  }
};

/**
 * A fresh folder for each test, removed after it, and the database path inside it:
 * `let dir: string, dbPath: string; withStoreDir("jobstore-test-", (d, p) => { dir = d; dbPath = p; });`
 */
export const withStoreDir = (prefix: string, take: (dir: string, dbPath: string) => void): void => {
  let dir: string | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    take(dir, join(dir, "state", "jobs.db"));
  });
  afterEach(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });
};
