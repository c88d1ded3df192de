import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect } from "effect";
import { afterAll, describe, expect, test } from "vitest";
import { systemdUnit, type UnitSpec } from "../../../src/core/service/systemd.ts";
import { ServiceManager } from "../../../src/services/ServiceManager.ts";

const root = mkdtempSync(join(tmpdir(), "cs-systemd-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The unit file's INI shape: section → key → every value given (systemd allows repeats). */
const parseUnit = (text: string): Map<string, Map<string, string[]>> => {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const [n, line] of text.split("\n").entries()) {
    if (line.trim() === "" || /^[#;]/.test(line)) continue;
    const header = /^\[([A-Za-z]+)\]$/.exec(line);
    if (header) {
      if (sections.has(header[1]!)) throw new Error(`line ${n + 1}: section [${header[1]}] repeated`);
      sections.set(header[1]!, (current = new Map()));
      continue;
    }
    const pair = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (!pair || !current) throw new Error(`line ${n + 1} is neither a section nor Key=Value: ${line}`);
    current.set(pair[1]!, [...(current.get(pair[1]!) ?? []), pair[2]!]);
  }
  return sections;
};

const C_ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", "\\": "\\", "\"": "\"", "'": "'", " ": " " };

/** systemd expands `%x` specifiers in every value; only `%%` (a literal %) may appear. */
const withoutSpecifiers = (value: string): string => {
  if (/%/.test(value.replaceAll("%%", ""))) throw new Error(`unescaped specifier in ${value}`);
  return value.replaceAll("%%", "%");
};

/** Splits a command line as systemd documents it: quoted words, C escapes, then `%%` → `%`. */
const systemdWords = (line: string): string[] => {
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    if (line[i] === " ") { i++; continue; }
    const quote = line[i] === "\"" || line[i] === "'" ? line[i++] : undefined;
    let word = "";
    for (; i < line.length && (quote ? line[i] !== quote : line[i] !== " "); i++) {
      if (line[i] !== "\\") { word += line[i]; continue; }
      const next = line[++i] ?? "";
      if (next === "x") { word += String.fromCharCode(Number.parseInt(line.slice(i + 1, i + 3), 16)); i += 2; continue; }
      if (!(next in C_ESCAPES)) throw new Error(`unknown escape \\${next}`);
      word += C_ESCAPES[next];
    }
    if (quote && line[i++] !== quote) throw new Error(`unbalanced ${quote}`);
    words.push(withoutSpecifiers(word));
  }
  return words;
};

/** What systemd hands the process: arguments (not the executable) also get `$$` → `$`, and `$VAR` would be substituted. */
const execArgv = (execStart: string): string[] => systemdWords(execStart).map((w, i) => {
  if (i === 0) return w;
  if (/\$(?!\$)/.test(w.replaceAll("$$", ""))) throw new Error(`argument ${w} would be substituted`);
  return w.replaceAll("$$", "$");
});

const spec = (overrides: Partial<UnitSpec> = {}): UnitSpec => ({
  description: "codex-supervisor watchdog",
  argv: ["/usr/bin/bun", "/opt/codex-supervisor/src/cli/main.ts", "watch"],
  workingDirectory: "/home/someone",
  environment: { PATH: "/usr/local/bin:/usr/bin:/bin", CODEX_HOME: "/home/someone/.codex" },
  ...overrides,
});

// A path a user could really have: spaces, a percent and a dollar, quotes and a backslash.
const AWKWARD = "/tmp/my dir/100% $HOME \"q\" 'a' b\\c";

describe("systemd unit", () => {
  test("has the three sections and the keys that make it a restartable service that never kills jobs", () => {
    const unit = parseUnit(systemdUnit(spec()));
    expect([...unit.keys()]).toEqual(["Unit", "Service", "Install"]);
    const service = unit.get("Service")!;
    expect(service.get("Type")).toEqual(["simple"]);
    expect(service.get("KillMode")).toEqual(["process"]);
    expect(service.get("Restart")).toEqual(["on-failure"]);
    expect(service.get("RestartSec")).toEqual(["5"]);
    expect(service.get("TimeoutStopSec")).toEqual(["10"]);
    expect(service.get("WorkingDirectory")).toEqual(["/home/someone"]);
    expect(execArgv(service.get("ExecStart")![0]!)).toEqual(["/usr/bin/bun", "/opt/codex-supervisor/src/cli/main.ts", "watch"]);
    expect(service.get("Environment")!.map((e) => systemdWords(e)).flat()).toEqual(["PATH=/usr/local/bin:/usr/bin:/bin", "CODEX_HOME=/home/someone/.codex"]);
    expect(unit.get("Install")!.get("WantedBy")).toEqual(["default.target"]);
    // After=default.target with WantedBy=default.target would be an ordering cycle.
    expect(unit.get("Unit")!.has("After")).toBe(false);
  });

  test("arguments and environment with spaces, %, $, quotes and backslashes come back exactly", () => {
    const argv = ["/usr/bin/bun", `${AWKWARD}/main.ts`, "watch", "--config", "${HOME}/%h.ts", "tab\there"];
    const unit = parseUnit(systemdUnit(spec({ argv, workingDirectory: "/home/my 50%", environment: { PATH: `${AWKWARD}:/bin`, CODEX_HOME: "$HOME/%u" } })));
    const service = unit.get("Service")!;
    expect(execArgv(service.get("ExecStart")![0]!)).toEqual(argv);
    expect(service.get("Environment")!.map((e) => systemdWords(e)).flat()).toEqual([`PATH=${AWKWARD}:/bin`, "CODEX_HOME=$HOME/%u"]);
    expect(withoutSpecifiers(service.get("WorkingDirectory")![0]!)).toBe("/home/my 50%");
  });
});

const analyze = Bun.which("systemd-analyze");

/** `systemd-analyze verify --user` in a throwaway home and runtime dir, so the real user's units are never read. */
const verify = (unitText: string) => {
  const dir = mkdtempSync(join(root, "verify-"));
  const runtime = join(dir, "runtime");
  mkdirSync(runtime, { mode: 0o700 });
  const file = join(dir, "codex-supervisor.service");
  writeFileSync(file, unitText);
  const result = Bun.spawnSync([analyze!, "verify", "--user", file], {
    env: { PATH: process.env.PATH ?? "", HOME: dir, XDG_CONFIG_HOME: join(dir, "config"), XDG_RUNTIME_DIR: runtime },
  });
  const stderr = result.stderr.toString();
  // verify exits 0 on bad keys too and only complains; any line about our file is a failure.
  return { ok: result.exitCode === 0 && !stderr.includes("codex-supervisor.service"), stderr };
};

describe.runIf(analyze)(`systemd-analyze verify${analyze ? "" : " (SKIPPED: systemd-analyze is not installed; Debian's systemd package has it)"}`, () => {
  test("accepts the unit this machine would install", async () => {
    const file = await Effect.runPromise(Effect.gen(function* () {
      return yield* (yield* ServiceManager).generate("systemd", { codexBin: "codex" });
    }).pipe(Effect.provide(ServiceManager.layer)));
    expect(verify(file.contents)).toEqual({ ok: true, stderr: "" });
  });

  // verify checks that ExecStart's executable exists after systemd unescapes it,
  // so an executable only reachable through correct escaping proves the escaping.
  test("finds an executable whose path has spaces, % and $", () => {
    const dir = join(root, "bin %h 100% $dollar");
    mkdirSync(dir, { recursive: true });
    const bun = join(dir, "bun");
    symlinkSync(process.execPath, bun);
    expect(verify(systemdUnit(spec({ argv: [bun, AWKWARD, "watch"] })))).toMatchObject({ ok: true, stderr: "" });
    // The control: written naively, systemd expands the %h and looks in the wrong place.
    const naive = systemdUnit(spec()).replace(/^ExecStart=.*$/m, `ExecStart="${bun}" watch`);
    expect(verify(naive).ok).toBe(false);
  });

  test("rejects a unit with a bad key, so the passing runs above mean something", () => {
    expect(verify(systemdUnit(spec()).replace("KillMode=process", "KillMode=bogus")).ok).toBe(false);
  });
});
