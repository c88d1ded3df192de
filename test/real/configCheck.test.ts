/**
 * Issue 23.4–7: one config check for every command. `config`, `doctor`, `start` and `watch` agree on
 * every config (each accepts it, or each refuses it naming the same file and key); every place
 * users of cosmiconfig-based tools keep a config is found; two files in one folder are an error; a
 * project file that sets a global-only key is refused; read-only commands in a folder with a bad
 * project config warn once and go on.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { trustAsIs } from "../support/trust.ts";
import { createSandbox, REPO, type Sandbox } from "./support/harness.ts";

const EXEC_ARGS = ["--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"];
const RC = ".codex-supervisorrc.json";
const json = (value: unknown) => JSON.stringify(value);
const policy = (doing: unknown) => ({ policies: [{ name: "p", when: { runtimeOver: "1h" }, do: [doing] }] });

let sb: Sandbox;
beforeAll(() => {
  sb = createSandbox();
  sb.writeGlobalConfig({ codex: { args: EXEC_ARGS } });
});
afterAll(async () => { await sb.cleanup(); });

/** A project folder holding these files (relative paths), each trusted as it is. */
const project = (name: string, files: Readonly<Record<string, string>>, trust = true): string => {
  const dir = sb.project(name);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  if (trust) trustAsIs(Object.keys(files).map((path) => join(dir, path)), { home: sb.root, env: sb.env });
  return dir;
};

interface Case {
  readonly name: string;
  readonly files: () => Readonly<Record<string, string>>;
  /** What every command says, `key: problem` as a config error reads; undefined: every command accepts it. */
  readonly says?: (dir: string) => string;
}

const CASES: ReadonlyArray<Case> = [
  { name: "a good config", files: () => ({ [RC]: json({ plugins: [["notify", { desktop: false }]], ...policy(["kill", { grace: "1s" }]) }) }) },
  { name: "an unknown plugin", files: () => ({ [RC]: json({ plugins: ["notfy"] }) }), says: () => `plugins.0: unknown plugin "notfy" (did you mean "notify"?)` },
  { name: "an unknown action", files: () => ({ [RC]: json(policy("kil")) }), says: () => `policies.0.do.0: policy "p": unknown action "kil" (did you mean "kill"?)` },
  {
    name: "bad action options", files: () => ({ [RC]: json(policy(["kill", { grase: "1s" }])) }),
    says: () => `policies.0.do.0.1.grase: policy "p", action "kill": unknown key (did you mean "grace"?)`,
  },
  {
    name: "a global-only key in a project file", files: () => ({ [RC]: json({ watchdog: { interval: "1s" } }) }),
    says: () => "watchdog.interval: a project config cannot set this (one watchdog looks at every project's jobs, at one interval)",
  },
  {
    name: "two config files in one folder", files: () => ({ [RC]: json({}), "codex-supervisor.config.yaml": "policies: []\n" }),
    says: (dir) => `2 config files in one folder: ${join(dir, RC)} and ${join(dir, "codex-supervisor.config.yaml")}`,
  },
];

describe("config, doctor, start and watch agree on every config", () => {
  test.each(CASES)("$name", async ({ name, files, says }) => {
    const dir = project(`case-${name.replaceAll(" ", "-")}`, files());
    const [config, doctor, start, watch] = await Promise.all([
      sb.cli(["config", "--cwd", dir]),
      sb.cli(["doctor", "--cwd", dir, "--json"]),
      sb.cli(["start", "--cwd", dir, "--json", "REPLY: done"]),
      sb.cli(["watch", "--once", "--cwd", dir], { cwd: dir }),
    ]);
    const configCheck = doctor.json<{ checks: Array<{ id: string; status: string; detail: string }> }>().checks.find((c) => c.id === "config")!;
    if (says === undefined) {
      expect([config.code, start.code, watch.code], [config.stderr, start.stderr, watch.stderr].join("\n")).toEqual([0, 0, 0]);
      expect(configCheck.status, configCheck.detail).toBe("ok");
      expect(start.json<{ jobId: string }>().jobId).toMatch(/^[0-9a-f-]{36}$/);
      return;
    }
    const text = says(dir);
    expect({ config: config.code, doctorConfig: configCheck.status, start: start.code, watch: watch.code }).toEqual({ config: 2, doctorConfig: "fail", start: 2, watch: 2 });
    // under --json, start's error is one JSON object: its message is what the others print
    const startSaid = (JSON.parse(start.stderr) as { error: { code: string; message: string } }).error;
    expect(startSaid.code).toBe("ConfigError");
    for (const [command, output] of [["config", config.stderr], ["doctor", configCheck.detail], ["start", startSaid.message], ["watch", watch.stderr]] as const) {
      expect(output, `${command} says`).toContain(text);
    }
    expect(start.stderr).not.toContain("started");
  });
});

describe("where configs are found", () => {
  const places = [
    "codex-supervisor.config.json", "codex-supervisor.config.yaml", "codex-supervisor.config.yml", "codex-supervisor.config.cjs",
    "codex-supervisor.config.mts", ".codex-supervisorrc.cjs", ".codex-supervisorrc.mts", ".config/codex-supervisorrc.json",
    ".config/codex-supervisorrc.yaml", ".config/codex-supervisorrc", "package.json",
  ];
  const content = (place: string, name: string): string => {
    const config = policy("notify");
    const named = { policies: [{ ...config.policies[0], name }] };
    if (place === "package.json") return json({ name: "x", "codex-supervisor": named });
    if (place.endsWith(".cjs")) return `module.exports = ${json(named)};\n`;
    if (place.endsWith(".mts")) return `const config: { policies: unknown[] } = ${json(named)};\nexport default config;\n`;
    if (/\.ya?ml$|rc$/.test(place)) return `policies:\n  - name: ${name}\n    when: { runtimeOver: 1h }\n    do: [notify]\n`;
    return json(named);
  };

  test.each(places)("finds %s", async (place) => {
    const name = `from-${place.replace(/\W+/g, "-")}`;
    const dir = project(`place${name}`, { [place]: content(place, name) });
    const r = await sb.cli(["config", "--cwd", dir, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const shown = r.json<{ files: string[]; config: { policies: Array<{ name: string }> } }>();
    expect(shown.files.at(-1)).toBe(join(dir, place));
    expect(shown.config.policies.map((p) => p.name)).toContain(name);
  });

  test("finds a global config.yaml", async () => {
    const home = join(sb.root, "yaml-home");
    const global = join(home, "codex-supervisor");
    mkdirSync(global, { recursive: true });
    writeFileSync(join(global, "config.yaml"), "watchdog:\n  interval: 7s\n");
    const r = await sb.cli(["config", "--cwd", sb.project("plain"), "--json"], { env: { XDG_CONFIG_HOME: home } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json<{ files: string[]; config: { watchdog: { interval: number } } }>()).toMatchObject({ files: [join(global, "config.yaml")], config: { watchdog: { interval: 7000 } } });
  });

  test("two global config files are an error naming both", async () => {
    const home = join(sb.root, "two-globals");
    const global = join(home, "codex-supervisor");
    mkdirSync(global, { recursive: true });
    writeFileSync(join(global, "config.json"), "{}");
    writeFileSync(join(global, "config.yaml"), "policies: []\n");
    const r = await sb.cli(["list", "--json"], { env: { XDG_CONFIG_HOME: home } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`2 config files in one folder: ${join(global, "config.json")} and ${join(global, "config.yaml")}`);
  });

  test("a YAML project config holds no code and still applies only once trusted: its policies can kill", async () => {
    const dir = project("untrusted-yaml", { "codex-supervisor.config.yaml": content("codex-supervisor.config.yaml", "yaml-kill") }, false);
    const before = await sb.cli(["config", "--cwd", dir, "--json"]);
    expect(before.code, before.stderr).toBe(0);
    const shown = before.json<{ files: string[]; notApplied: { reason: string } | null; config: { policies: Array<{ name: string }> } }>();
    expect(shown.notApplied?.reason).toBe("it was never trusted");
    expect(shown.config.policies.map((p) => p.name)).not.toContain("yaml-kill");
    expect((await sb.cli(["trust", dir])).code).toBe(0);
    const after = await sb.cli(["config", "--cwd", dir, "--json"]);
    expect(after.json<{ config: { policies: Array<{ name: string }> } }>().config.policies.map((p) => p.name)).toContain("yaml-kill");
  });
});

describe("a bad project config", () => {
  let bad: string;
  let jobId: string;
  beforeAll(async () => {
    bad = project("bad-project", { [RC]: json({ watchdog: { intervall: "1s" } }) });
    const started = await sb.cli(["start", "--cwd", sb.project("fine"), "--json", "REPLY: done"]);
    expect(started.code, started.stderr).toBe(0);
    jobId = started.json<{ jobId: string }>().jobId;
  });
  const warning = () => `codex-supervisor: project config ${join(bad, RC)} is not applied (it is not valid: watchdog.intervall: unknown key (did you mean "interval"?)); going on with the global config\n`;

  test("list, status, events and logs warn once on stderr, naming the file and the key, and go on; --json stays JSON", async () => {
    for (const args of [["list", "--json"], ["status", jobId, "--json"], ["events", "--json"], ["logs", jobId, "--json"]]) {
      const r = await sb.cli(args, { cwd: bad });
      expect(r.code, `${args[0]}: ${r.stderr}`).toBe(0);
      expect(r.stderr, args[0]).toBe(warning());
      expect(() => (args[0] === "events" || args[0] === "logs" ? r.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l)) : JSON.parse(r.stdout)), args[0]).not.toThrow();
    }
  });

  test("kill goes on (stopping a job never waits on a project's config); start and watch refuse", async () => {
    const kill = await sb.cli(["kill", jobId], { cwd: bad });
    expect(kill.stderr).toContain(warning());
    expect(kill.code).not.toBe(2);
    const start = await sb.cli(["start", "hello"], { cwd: bad });
    expect(start.code).toBe(2);
    expect(start.stderr).toContain("watchdog.intervall: unknown key");
    const watch = await sb.cli(["watch", "--once"], { cwd: bad });
    expect(watch.code).toBe(2);
  });

  test("MCP codex_status there answers, with the warning; codex_start refuses", async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [join(REPO, "bin/codex-supervisor.ts"), "mcp"], cwd: sb.root, env: sb.env, stderr: "pipe" });
    const client = new Client({ name: "config-check-test", version: "0.0.0" });
    await client.connect(transport);
    try {
      const status = await client.callTool({ name: "codex_status", arguments: { cwd: bad } }) as { isError?: boolean; content: Array<{ text: string }>; structuredContent: { configNotApplied?: { file: string } } };
      expect(status.isError ?? false).toBe(false);
      expect(status.structuredContent.configNotApplied?.file).toBe(join(bad, RC));
      expect(status.content.at(-1)?.text).toContain("watchdog.intervall");
      const start = await client.callTool({ name: "codex_start", arguments: { prompt: "hello", cwd: bad } }) as { isError?: boolean; content: Array<{ text: string }> };
      expect(start.isError).toBe(true);
      expect(start.content[0]?.text).toContain("watchdog.intervall: unknown key");
    } finally {
      await client.close();
    }
  });
});
