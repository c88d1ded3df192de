/**
 * bin/codex-supervisor.ts runs the CLI from a bytecode bundle built from exactly these sources:
 * a source change names a new bundle, a missing one is built on first use, and the bundle and
 * the sources answer the same.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fingerprint } from "../../bin/bundle.ts";
import pkg from "../../package.json" with { type: "json" };

const REPO = resolve(import.meta.dirname, "../..");
const LAUNCHER = join(REPO, "bin/codex-supervisor.ts");
const scratch = mkdtempSync(join(tmpdir(), "cs-launcher-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const run = (args: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const out = Bun.spawnSync([process.execPath, LAUNCHER, ...args], {
    env: { ...process.env, CODEX_SUPERVISOR_DB: join(scratch, "db", "s.db"), XDG_CONFIG_HOME: join(scratch, "cfg"), XDG_STATE_HOME: join(scratch, "state"), CODEX_HOME: join(scratch, "codex-home"), ...env },
    cwd: scratch,
  });
  return { code: out.exitCode, stdout: out.stdout.toString(), stderr: out.stderr.toString() };
};

describe("the fingerprint of the sources", () => {
  const root = join(scratch, "tree");
  for (const dir of ["src/cli", "plugins", "bin"]) mkdirSync(join(root, dir), { recursive: true });
  writeFileSync(join(root, "src/cli/main.ts"), "export const a = 1;\n");
  writeFileSync(join(root, "package.json"), "{}\n");

  it("is stable while nothing changes and changes with any source, new file or lockfile", () => {
    const first = fingerprint(root);
    expect(fingerprint(root)).toBe(first);
    writeFileSync(join(root, "src/cli/main.ts"), "export const a = 2;\n"); // same size, new content
    utimesSync(join(root, "src/cli/main.ts"), new Date(), new Date(Date.now() + 5000));
    const edited = fingerprint(root);
    expect(edited).not.toBe(first);
    writeFileSync(join(root, "plugins/extra.ts"), "export {};\n");
    const added = fingerprint(root);
    expect(added).not.toBe(edited);
    writeFileSync(join(root, "bun.lock"), "{}\n");
    expect(fingerprint(root)).not.toBe(added);
  });
});

describe("bin/codex-supervisor.ts", () => {
  it("builds the bundle where it is told when there is none, then runs from it", () => {
    const buildDir = join(scratch, "build");
    const first = run(["--version"], { CODEX_SUPERVISOR_BUILD_DIR: buildDir });
    expect(first).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
    const built = readdirSync(buildDir).filter((d) => !d.startsWith("."));
    expect(built).toEqual([fingerprint()]);
    expect(readdirSync(join(buildDir, built[0]!)).sort()).toEqual(["main.js", "main.js.jsc"]);
    const again = run(["list", "--json"], { CODEX_SUPERVISOR_BUILD_DIR: buildDir });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ jobs: [], untracked: expect.any(Array), unchecked: [] });
  });

  it("answers from the sources exactly as from the bundle", () => {
    for (const args of [["--help"], ["list", "--help"], ["status", "no-such-job"], ["frobnicate"]]) {
      const bundled = run(args);
      const source = run(args, { CODEX_SUPERVISOR_FROM_SOURCE: "1" });
      expect({ args, ...bundled }).toEqual({ args, ...source });
    }
  });
});

describe("watch", () => {
  it("re-executes itself, same PID, with Bun's idle-GC timer, optimizing JIT and JIT threads off; a value the user set stands", async () => {
    // its own config, state (and so trust record) and Codex home: never the user's, whose trusted projects it would apply
    const env = { ...process.env, CODEX_SUPERVISOR_DB: join(scratch, "db", "w.db"), XDG_CONFIG_HOME: join(scratch, "cfg"), XDG_STATE_HOME: join(scratch, "state"), CODEX_HOME: join(scratch, "codex-home") } as Record<string, string>;
    delete env.BUN_GC_TIMER_DISABLE;
    delete env.BUN_JSC_useDFGJIT;
    delete env.BUN_JSC_useConcurrentJIT;
    const environOf = async (given: Record<string, string>) => {
      const watch = Bun.spawn([process.execPath, LAUNCHER, "watch", "--cwd", scratch], { env: given, cwd: scratch, stdout: "ignore", stderr: "pipe" });
      try {
        const reader = watch.stderr.getReader();
        let said = "";
        while (!said.includes("watchdog running")) {
          const { value, done } = await reader.read();
          if (done) throw new Error(`watch exited: ${said}`);
          said += new TextDecoder().decode(value);
        }
        expect(said).toContain(`(pid ${watch.pid})`);
        const environ = (await Bun.file(`/proc/${watch.pid}/environ`).text()).split("\0");
        return ["BUN_GC_TIMER_DISABLE=", "BUN_JSC_useDFGJIT=", "BUN_JSC_useConcurrentJIT="].map((key) => environ.find((e) => e.startsWith(key)));
      } finally {
        watch.kill("SIGTERM");
        await watch.exited;
      }
    };
    expect(await environOf(env)).toEqual(["BUN_GC_TIMER_DISABLE=1", "BUN_JSC_useDFGJIT=0", "BUN_JSC_useConcurrentJIT=0"]);
    expect(await environOf({ ...env, BUN_GC_TIMER_DISABLE: "0" })).toEqual(["BUN_GC_TIMER_DISABLE=0", "BUN_JSC_useDFGJIT=0", "BUN_JSC_useConcurrentJIT=0"]);
    expect(await environOf({ ...env, BUN_JSC_useDFGJIT: "1" })).toEqual(["BUN_GC_TIMER_DISABLE=1", "BUN_JSC_useDFGJIT=1", "BUN_JSC_useConcurrentJIT=0"]);
    expect(await environOf({ ...env, BUN_JSC_useConcurrentJIT: "1" })).toEqual(["BUN_GC_TIMER_DISABLE=1", "BUN_JSC_useDFGJIT=0", "BUN_JSC_useConcurrentJIT=1"]);
  });
});
