/**
 * codex-supervisor as a user gets it: the package `npm pack` makes, installed globally with
 * `bun add -g` and with `npm i -g` into temporary prefixes, and the standalone executable
 * (`bun run build:binary`) run with no Bun on PATH. Each runs configs and plugins that import
 * `codex-supervisor` from a folder with no node_modules, and a real Codex job from start to kill.
 * One pack, one install each and one binary serve every test here (docs/install.md names these commands).
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createSandbox, REPO, type Sandbox, waitFor } from "./support/harness.ts";

const EXEC_ARGS = ["--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"];

interface Ran { readonly code: number; readonly stdout: string; readonly stderr: string; readonly seconds: number }

const run = async (argv: ReadonlyArray<string>, options: { cwd: string; env: Record<string, string | undefined>; stdin?: string | undefined }): Promise<Ran> => {
  const began = performance.now();
  const proc = Bun.spawn([...argv], {
    cwd: options.cwd, env: options.env,
    stdin: options.stdin === undefined ? "ignore" : new TextEncoder().encode(options.stdin), stdout: "pipe", stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr, seconds: (performance.now() - began) / 1000 };
};

const ok = (what: string, r: Ran): Ran => {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return r;
};

let sb: Sandbox;
let scratch: string;
let tarball: string;
let nobun: string;
const timings: Record<string, string> = {};

/** Every file of the checkout git would see (tests, benchmarks and CI included: `files` must leave them out). */
const stageCheckout = (to: string) => {
  const listed = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], { cwd: REPO, encoding: "utf8" }).split("\0").filter(Boolean);
  for (const file of listed) {
    mkdirSync(dirname(join(to, file)), { recursive: true });
    try { cpSync(join(REPO, file), join(to, file)); } catch { /* listed but deleted in the worktree */ }
  }
  symlinkSync(join(REPO, "node_modules"), join(to, "node_modules"));
};

/** A PATH with everything in /usr/bin but Bun: what a machine without Bun has. */
const pathWithoutBun = (dir: string) => {
  mkdirSync(dir);
  for (const name of readdirSync("/usr/bin")) {
    if (name !== "bun" && name !== "bunx") symlinkSync(join("/usr/bin", name), join(dir, name));
  }
  return dir;
};

beforeAll(async () => {
  sb = createSandbox();
  scratch = mkdtempSync(join(tmpdir(), "cs-install-"));
  const stage = join(scratch, "checkout");
  stageCheckout(stage);
  const env = { ...sb.env, CODEX_SUPERVISOR_BUILD_DIR: undefined, CODEX_SUPERVISOR_FROM_SOURCE: undefined };

  // npm pack runs prepack: the declaration files and the Node build, made from this checkout.
  const packed = ok("npm pack", await run(["npm", "pack", "--json", "--pack-destination", scratch], { cwd: stage, env }));
  timings["npm pack (with prepack)"] = `${packed.seconds.toFixed(1)} s`;
  // prepack's own output comes first on stdout; npm's JSON is the array that starts on a line of its own
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.lastIndexOf("\n[\n") + 1)) as Array<{ filename: string; size: number; unpackedSize: number; files: Array<{ path: string }> }>;
  tarball = join(scratch, info!.filename);
  packInfo = info!;

  // The three installs at once: bun and npm from their caches where they can, the binary from this checkout.
  const bunCache = ok("bun pm cache", await run(["bun", "pm", "cache"], { cwd: scratch, env })).stdout.trim();
  const [bunAdd, npmInstall, binary] = await Promise.all([
    run(["bun", "add", "-g", "--prefer-offline", tarball], { cwd: scratch, env: { ...env, BUN_INSTALL: join(scratch, "bun"), BUN_INSTALL_CACHE_DIR: bunCache } }),
    run(["npm", "i", "-g", "--prefer-offline", "--no-audit", "--no-fund", "--prefix", join(scratch, "npm"), tarball], { cwd: scratch, env }),
    run(["bun", "run", "build:binary", "--", "--outfile", join(scratch, "binary", "codex-supervisor")], { cwd: stage, env }),
  ]);
  ok("bun add -g", bunAdd);
  ok("npm i -g", npmInstall);
  ok("bun run build:binary", binary);
  timings["bun add -g"] = `${bunAdd.seconds.toFixed(1)} s`;
  timings["npm i -g"] = `${npmInstall.seconds.toFixed(1)} s`;
  timings["build:binary"] = `${binary.seconds.toFixed(1)} s`;
  nobun = pathWithoutBun(join(scratch, "no-bun"));
}, 300_000);

afterAll(async () => {
  console.log(`install.test.ts: ${Object.entries(timings).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  await sb?.cleanup();
  if (scratch) rmSync(scratch, { recursive: true, force: true }); // the binary is ~110 MB
});

let packInfo: { filename: string; size: number; unpackedSize: number; files: Array<{ path: string }> };

describe("the package", () => {
  test("ships what runs, its types, docs and LICENSE; no tests, benchmarks or CI files", () => {
    const paths = packInfo.files.map((f) => f.path);
    console.log(`npm pack: ${packInfo.filename}, ${paths.length} files, ${(packInfo.size / 1024).toFixed(0)} kB packed, ${(packInfo.unpackedSize / 1024).toFixed(0)} kB unpacked`);
    expect(paths).toEqual(expect.arrayContaining([
      "LICENSE", "README.md", "package.json", "bin/codex-supervisor.ts", "src/index.ts", "src/plugin.ts",
      "plugins/kill/index.ts", "dist/types/src/index.d.ts", "dist/types/src/plugin.d.ts", "docs/install.md", "docs/plugin-template.ts",
    ]));
    expect(paths.filter((p) => /^(test|bench|\.ci)\/|^BENCHMARKS\.md$|^bun\.lock$|^dist\/codex-supervisor$/.test(p))).toEqual([]);
  });

  test("tsc with an ordinary tsconfig checks a config against the installed package's types", async () => {
    const project = join(scratch, "typed");
    mkdirSync(join(project, "node_modules"), { recursive: true });
    symlinkSync(join(scratch, "npm", "lib", "node_modules", "codex-supervisor"), join(project, "node_modules", "codex-supervisor"));
    symlinkSync(join(REPO, "node_modules", "@types"), join(project, "node_modules", "@types")); // as `bun add -d @types/bun` gives it
    writeFileSync(join(project, "tsconfig.json"), JSON.stringify({ compilerOptions: { target: "es2022", module: "nodenext", strict: true, types: ["bun"], noEmit: true } }));
    writeFileSync(join(project, "good.config.ts"), [
      `import { defineConfig, definePlugin } from "codex-supervisor";`,
      `import { duration, z } from "codex-supervisor/plugin";`,
      `const mine = definePlugin({ name: "mine", options: z.strictObject({ every: duration.prefault("3s") }), onTick: (ctx) => { const ms: number = ctx.options.every; void ms; } });`,
      `export default defineConfig({ plugins: [mine], policies: [{ name: "long", when: { runtimeOver: "45m" }, do: ["kill"] }] });`,
    ].join("\n"));
    cpSync(join(scratch, "npm", "lib", "node_modules", "codex-supervisor", "docs", "plugin-template.ts"), join(project, "my-plugin.ts"));
    writeFileSync(join(project, "bad.config.ts"), `import { defineConfig } from "codex-supervisor";\nexport default defineConfig({ watchdog: { intervl: "5s" } });\n`);
    const checked = await run([join(REPO, "node_modules", ".bin", "tsc"), "-p", project], { cwd: project, env: sb.env });
    expect(checked.stdout.trim().split("\n")).toEqual([expect.stringMatching(/^bad\.config\.ts\(2,.*'intervl' does not exist.*Did you mean to write 'interval'\?/)]);
  });
});

interface Install {
  readonly name: string;
  /** The command a user runs, and the PATH they run it with. */
  readonly command: () => string;
  readonly path: () => string;
  /** What `service install --print` must run. */
  readonly execStart: (command: string) => RegExp;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const INSTALLS: ReadonlyArray<Install> = [
  {
    name: "bun add -g", command: () => join(scratch, "bun", "bin", "codex-supervisor"),
    path: () => [join(scratch, "bun", "bin"), sb.env.PATH].join(delimiter),
    execStart: (command) => new RegExp(`^ExecStart=\\S*bun ${escape(command)} watch$`, "m"),
  },
  {
    name: "npm i -g", command: () => join(scratch, "npm", "bin", "codex-supervisor"),
    path: () => [join(scratch, "npm", "bin"), sb.env.PATH].join(delimiter),
    execStart: (command) => new RegExp(`^ExecStart=\\S*bun ${escape(command)} watch$`, "m"),
  },
  {
    name: "the standalone binary, no Bun on PATH", command: () => join(scratch, "binary", "codex-supervisor"),
    path: () => [join(scratch, "binary"), nobun].join(delimiter),
    execStart: (command) => new RegExp(`^ExecStart=${escape(command)} watch$`, "m"),
  },
];

describe.each(INSTALLS)("installed with $name", (install) => {
  const cli = (args: ReadonlyArray<string>, options: { cwd?: string; stdin?: string; env?: Record<string, string> } = {}) =>
    run([install.command(), ...args], {
      cwd: options.cwd ?? sb.root, stdin: options.stdin,
      env: { ...sb.env, PATH: install.path(), CODEX_SUPERVISOR_BUILD_DIR: undefined, CODEX_SUPERVISOR_FROM_SOURCE: undefined, ...options.env },
    });
  /** A folder with no node_modules anywhere above it, holding a TS config and plugins that import the package by name. */
  const userFolder = () => {
    const dir = sb.project(`user-${INSTALLS.indexOf(install)}`);
    writeFileSync(join(dir, "mine.ts"), [
      `import { definePlugin } from "codex-supervisor";`,
      `import { DURATION_RANGES, formatDuration } from "codex-supervisor/plugin";`,
      `export default definePlugin({ name: \`mine-\${formatDuration(DURATION_RANGES.grace.max)}\`, onTick: () => {} });`,
    ].join("\n"));
    writeFileSync(join(dir, "launched.ts"), [
      `import { writeFileSync } from "node:fs";`,
      `import { join } from "node:path";`,
      `import { definePlugin } from "codex-supervisor";`,
      `import { z } from "codex-supervisor/plugin";`,
      `export default definePlugin({ name: "launched", options: z.strictObject({ note: z.string() }),`,
      `  beforeLaunch: (spec, { options }) => { writeFileSync(join(import.meta.dirname, "launched.txt"), \`\${options.note} \${spec.jobId}\`); } });`,
    ].join("\n"));
    writeFileSync(join(dir, "cfg.ts"), [
      `import { defineConfig } from "codex-supervisor";`,
      `import mine from "./mine.ts";`,
      `export default defineConfig({ codex: { args: ${JSON.stringify(EXEC_ARGS)} }, watchdog: { interval: "7s" },`,
      `  plugins: [mine, ["./launched.ts", { note: "from-the-plugin" }], ["./my-plugin.ts", { label: "from-the-template", journal: "./journal.log" }]] });`,
    ].join("\n"));
    // the plugin template docs/plugins.md offers, as the package ships it
    cpSync(join(scratch, "npm", "lib", "node_modules", "codex-supervisor", "docs", "plugin-template.ts"), join(dir, "my-plugin.ts"));
    return dir;
  };

  test("runs a TS config and plugins that import codex-supervisor from a folder with no node_modules", async () => {
    expect(Bun.which("bun", { PATH: install.path() }) === null).toBe(install.command().includes("binary"));
    const dir = userFolder();
    const shown = await cli(["config", "--config", "cfg.ts", "--json"], { cwd: dir });
    expect(shown.code, shown.stderr).toBe(0);
    const { config } = JSON.parse(shown.stdout) as { config: { watchdog: { interval: number }; plugins: unknown[] } };
    expect(config.watchdog.interval).toBe(7000);
    expect(config.plugins).toEqual([
      { name: "mine-10m", onTick: "[function]" },
      [join(dir, "launched.ts"), { note: "from-the-plugin" }],
      [join(dir, "my-plugin.ts"), { label: "from-the-template", journal: "./journal.log" }],
    ]);
  });

  test("starts, lists, reads and kills a real Codex job", async () => {
    const dir = userFolder();
    const started = await cli(["start", "--json", "--config", "cfg.ts", "--cwd", dir, "-"], { cwd: dir, stdin: "RUN: sleep 30\nHOLD: 300" });
    expect(started.code, started.stderr).toBe(0);
    const { jobId } = JSON.parse(started.stdout) as { jobId: string };
    expect(readFileSync(join(dir, "launched.txt"), "utf8")).toBe(`from-the-plugin ${jobId}`);
    // the template's beforeLaunch put its label into the job's environment
    expect(readFileSync(`/proc/${(JSON.parse(started.stdout) as { pid: number }).pid}/environ`, "utf8")).toContain("MY_PLUGIN_LABEL=from-the-template");
    const listed = await waitFor("the job's tool command in list", async () => {
      const r = await cli(["list", "--json"]);
      const job = (JSON.parse(r.stdout) as { jobs: Array<{ jobId: string; status: string; pids?: number[]; threadId: string | null }> }).jobs.find((j) => j.jobId === jobId);
      return job?.threadId && (job.pids?.length ?? 0) > 2 ? job : undefined;
    });
    expect(listed.status).toBe("running");
    const logs = await waitFor("the tool call in logs", async () => {
      const r = await cli(["logs", jobId]);
      return r.code === 0 && r.stdout.includes("sleep 30") ? r : undefined;
    });
    expect(logs.stderr).toBe("");
    const killed = await cli(["kill", jobId, "--grace", "1s", "--json"]);
    expect(killed.code, killed.stderr).toBe(0);
    expect(JSON.parse(killed.stdout)).toMatchObject({ result: "killed" });
  });

  test("service install --print runs the installed command, and init --global writes a config every command loads", async () => {
    const printed = await cli(["service", "install", "--print"]);
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout).toMatch(install.execStart(install.command()));
    const xdg = { XDG_CONFIG_HOME: join(sb.root, `xdg-init-${INSTALLS.indexOf(install)}`) };
    const init = await cli(["init", "--global"], { env: xdg });
    expect(init.code, init.stderr).toBe(0);
    expect((await cli(["init", "--global"], { env: xdg })).code).toBe(1); // never over an existing file
    const listed = await cli(["list", "--json"], { env: xdg });
    expect(listed.code, listed.stderr).toBe(0);
    const shown = JSON.parse((await cli(["config", "--json"], { env: xdg })).stdout) as { config: { policies: Array<{ name: string }> } };
    expect(shown.config.policies.map((p) => p.name)).toEqual(["max-runtime", "stuck", "orphans", "job-ended"]);
  });
});
