import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as Effect from "effect/Effect";
import { afterEach, describe, expect, test } from "vitest";
import { trustAsIs } from "../support/trust.ts";
import { CodexSupervisor } from "../../src/api/effect.ts";
import { createSupervisor, isSupervisorError, SupervisorError } from "../../src/index.ts";

const dirs: string[] = [];
const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), "cs-api-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

const options = (dir: string) => ({ cwd: dir, database: join(dir, "db.sqlite"), codexHome: join(dir, "codex-home") });

describe("CodexSupervisor (the Effect API)", () => {
  test("an Effect program composes its layer and gets the tagged error for an unknown job", async () => {
    const dir = scratch();
    const program = Effect.gen(function* () {
      const sv = yield* CodexSupervisor;
      const listed = yield* sv.list({ all: true });
      const failure = yield* Effect.flip(sv.status("0badc0de"));
      return { listed, failure };
    });
    const { listed, failure } = await Effect.runPromise(program.pipe(Effect.provide(CodexSupervisor.layer(options(dir)))));
    expect(listed.jobs).toEqual([]);
    expect(failure._tag).toBe("JobNotFound");
  });

  test("a bad kill grace fails as a UsageError before anything is looked up", async () => {
    const dir = scratch();
    const failure = await Effect.runPromise(Effect.gen(function* () {
      return yield* Effect.flip((yield* CodexSupervisor).kill("whatever", { grace: "soon" }));
    }).pipe(Effect.provide(CodexSupervisor.layer(options(dir)))));
    expect(failure._tag).toBe("UsageError");
    const tooLong = await Effect.runPromise(Effect.gen(function* () {
      return yield* Effect.flip((yield* CodexSupervisor).kill("whatever", { grace: 3_600_000 }));
    }).pipe(Effect.provide(CodexSupervisor.layer(options(dir)))));
    expect(tooLong._tag).toBe("UsageError");
  });
});

describe("createSupervisor (the Promise API)", () => {
  test("an unknown job rejects with a SupervisorError carrying the CLI's message and exit code", async () => {
    const sv = createSupervisor(options(scratch()));
    const error = await sv.status("0badc0de").then(() => undefined, (e: unknown) => e);
    await sv.close();
    expect(error).toBeInstanceOf(SupervisorError);
    expect(isSupervisorError(error, "JobNotFound")).toBe(true);
    expect((error as SupervisorError).message).toBe(`no job matches "0badc0de" (see codex-supervisor list --all)`);
    expect((error as SupervisorError).exitCode).toBe(3);
  });

  test("a bad config file rejects every call with a ConfigError naming the file and the field", async () => {
    const dir = scratch();
    writeFileSync(join(dir, ".codex-supervisorrc.json"), JSON.stringify({ codex: { argz: [] } }));
    const sv = createSupervisor({ ...options(dir), config: join(dir, ".codex-supervisorrc.json") });
    const error = await sv.list().then(() => undefined, (e: unknown) => e);
    await sv.close();
    expect(isSupervisorError(error, "ConfigError")).toBe(true);
    expect((error as SupervisorError).message).toContain(".codex-supervisorrc.json");
    expect((error as SupervisorError).message).toContain("codex");
  });

  test("after close() every call rejects as Closed", async () => {
    const sv = createSupervisor(options(scratch()));
    await sv.list();
    await sv.close();
    const error = await sv.list().then(() => undefined, (e: unknown) => e);
    expect(isSupervisorError(error, "Closed")).toBe(true);
  });

  test("close() ends a followed event list that is waiting for its first page, as an end, not an error", async () => {
    const sv = createSupervisor(options(scratch()));
    const pending = sv.events({ follow: true })[Symbol.asyncIterator]().next();
    await sv.list();
    await sv.close();
    expect(await pending).toEqual({ value: undefined, done: true });
  });

  test("start in another directory runs with that directory's config, as start --cwd does", async () => {
    const dir = scratch();
    const other = join(dir, "other-project");
    mkdirSync(other);
    writeFileSync(join(other, ".codex-supervisorrc.json"), JSON.stringify({ codex: { bin: "codex-of-the-other-project" } }));
    const saved = process.env.CODEX_SUPERVISOR_CODEX;
    const savedState = process.env.XDG_STATE_HOME;
    delete process.env.CODEX_SUPERVISOR_CODEX;
    // a project file applies once trusted: trusted here, in a state dir of the test's own
    process.env.XDG_STATE_HOME = join(dir, "state");
    trustAsIs([join(other, ".codex-supervisorrc.json")], { home: dir, env: { XDG_STATE_HOME: process.env.XDG_STATE_HOME } });
    try {
      const sv = createSupervisor(options(dir));
      const error = await sv.start({ prompt: "hello", cwd: other }).then(() => undefined, (e: unknown) => e);
      await sv.close();
      expect(isSupervisorError(error, "CodexNotFound")).toBe(true);
      expect((error as SupervisorError).message).toContain(`"codex-of-the-other-project"`);
    } finally {
      if (saved !== undefined) process.env.CODEX_SUPERVISOR_CODEX = saved;
      if (savedState === undefined) delete process.env.XDG_STATE_HOME;
      else process.env.XDG_STATE_HOME = savedState;
    }
  });
});
