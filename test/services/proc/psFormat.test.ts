/**
 * The portable backend's parsers against the output of macOS's (BSD) ps, lsof and sysctl and of
 * procps and lsof on Linux, as their manuals document it (test/fixtures/ps/).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findCodexProcesses, cdArgument, claimedJobId } from "../../../src/core/codex.ts";
import { ownRollout } from "../../../src/core/codex.ts";
import {
  parseBoottime, parseCpuTime, parseEnvironment, parseLsof, parsePidAndText, parsePsRow, parsePsStatus, splitCommand,
} from "../../../src/services/proc/psFormat.ts";

const fixture = (name: string) => readFileSync(join(import.meta.dirname, "../../fixtures/ps", name), "utf8");
const rows = (text: string) => text.split("\n").filter((l) => l.trim() !== "");

// the files of the Mac the fixtures come from: what a path put back together must name
const MAC_FILES = new Set([
  "/sbin/launchd",
  "/Users/me/Library/Application Support/fnm/node-versions/v22.11.0/installation/bin/node",
  "/Users/me/Library/Application Support/fnm/node-versions/v22.11.0/installation/lib/node_modules/@openai/codex/bin/codex.js",
  "/Users/me/Library/Application Support/fnm/node-versions/v22.11.0/installation/lib/node_modules/@openai/codex/node_modules/@openai/codex-darwin-arm64/vendor/aarch64-apple-darwin/codex/codex",
  "/bin/bash",
  "/Applications/Visual Studio Code.app/Contents/MacOS/Electron",
]);
const onMac = (path: string) => MAC_FILES.has(path);

describe("ps rows", () => {
  const mac = rows(fixture("macos-ps.txt")).map((l) => parsePsRow(l, onMac)!);

  it("reads macOS ps: start to the second, CPU time with minutes past 59, memory in kB, state's first letter", () => {
    expect(mac).toHaveLength(7);
    const launchd = mac[0]!;
    expect(launchd).toMatchObject({ pid: 1, ppid: 0, pgid: 1, uid: 0, state: "S", rssBytes: 13248 * 1024, cpuTimeMs: 641_730, name: "launchd", argv: ["/sbin/launchd"] });
    expect(launchd.startedAt).toBe(new Date(2026, 11, 1, 8, 2, 11).getTime());
    expect(launchd.startTime).toBe(String(launchd.startedAt));
    expect(mac[6]!.cpuTimeMs).toBe(7_384_500);
  });

  it("puts back together paths that hold spaces, so a Codex under ~/Library/Application Support is recognised, launcher and native as one", () => {
    const launcher = mac.find((p) => p.pid === 412)!;
    expect(launcher.argv[0]).toBe("/Users/me/Library/Application Support/fnm/node-versions/v22.11.0/installation/bin/node");
    expect(launcher.argv.slice(2, 5)).toEqual(["exec", "-c", `shell_environment_policy.set.CODEX_SUPERVISOR_JOB_ID="0d5c2f5e-5d8f-4a37-9a5e-0c8f7e3b8a11"`]);
    expect(mac.find((p) => p.pid === 1200)!.argv).toEqual(["/Applications/Visual Studio Code.app/Contents/MacOS/Electron"]);
    const groups = findCodexProcesses(mac);
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({ kind: "exec", launcher: { pid: 412 }, native: { pid: 415 } });
    expect(claimedJobId(groups[0]!.root)).toBe("0d5c2f5e-5d8f-4a37-9a5e-0c8f7e3b8a11");
    expect(cdArgument(groups[0]!.root)).toBeUndefined();
  });

  it("gives a zombie (macOS `(sleep)`, procps `[bash] <defunct>`) and a kernel thread no command line", () => {
    expect(mac.find((p) => p.pid === 430)).toMatchObject({ state: "Z", argv: [], name: "sleep" });
    const linux = rows(fixture("linux-ps.txt")).map((l) => parsePsRow(l, () => false)!);
    expect(linux.find((p) => p.pid === 4200)).toMatchObject({ state: "Z", argv: [], name: "bash" });
    expect(linux.find((p) => p.pid === 2)).toMatchObject({ argv: [], name: "kthreadd" });
  });

  it("reads procps: CPU time with days, and the Linux Codex pair", () => {
    const linux = rows(fixture("linux-ps.txt")).map((l) => parsePsRow(l, () => false)!);
    expect(linux.find((p) => p.pid === 4107)!.cpuTimeMs).toBe(((26 * 60 + 3) * 60 + 4) * 1000);
    expect(findCodexProcesses(linux)).toMatchObject([{ launcher: { pid: 4100 }, native: { pid: 4107 } }]);
  });

  it("reads a one-process status row, its name from comm (a whole path on macOS)", () => {
    const status = parsePsStatus("  415   412   412   501 S     88320   1:02.45 Sat Dec  6 19:58:41 2026 /Users/me/Library/Application Support/x/codex");
    expect(status).toMatchObject({ pid: 415, ppid: 412, uid: 501, name: "codex", cpuTimeMs: 62_450 });
    expect(parsePsStatus("garbage")).toBeUndefined();
  });

  it("reads CPU times in every shape ps prints", () => {
    expect([parseCpuTime("0:00.01"), parseCpuTime("00:01:02"), parseCpuTime("123:04.50"), parseCpuTime("2-00:00:01")]).toEqual([10, 62_000, 7_384_500, 172_801_000]);
  });

  it("splits a command line on spaces where no file says otherwise", () => {
    expect(splitCommand("bash -c echo  two", () => false)).toEqual(["bash", "-c", "echo", "", "two"]);
    expect(splitCommand("/no such/file x", () => false)).toEqual(["/no", "such/file", "x"]);
  });
});

describe("environments (ps -E on macOS, ps e on procps)", () => {
  const env = new Map(rows(fixture("macos-ps-env.txt")).map((l) => { const r = parsePidAndText(l)!; return [r.pid, r.text]; }));

  it("reads the variables after the command line the snapshot read, a value's spaces kept", () => {
    const vars = parseEnvironment(env.get(420)!, "/bin/bash -lc sleep 300")!;
    expect(vars.get("CODEX_SUPERVISOR_JOB_ID")).toBe("0d5c2f5e-5d8f-4a37-9a5e-0c8f7e3b8a11");
    expect(vars.get("CODEX_THREAD_ID")).toBe("019a0000-0000-7000-8000-000000000001");
    expect(vars.get("NOTE")).toBe("two words here");
    expect(vars.get("TMPDIR")).toBe("/var/folders/x1/abc/T/");
  });

  it("gives an empty environment where ps shows none (another user's), and none at all for a process that exec'd since", () => {
    expect(parseEnvironment(env.get(421)!, "sleep 300")).toEqual(new Map());
    expect(parseEnvironment(env.get(999)!, "/usr/sbin/cfprefsd")).toBeUndefined();
  });
});

describe("lsof -F pfn", () => {
  it("reads macOS lsof: the cwd (spaces kept), numbered descriptors only, and the rollout among them", () => {
    const found = parseLsof(fixture("macos-lsof.txt"));
    expect(found.get(415)!.cwd).toBe("/Users/me/work/project one");
    expect(found.get(415)!.files).toHaveLength(5);
    expect(found.get(415)!.files).not.toContain(expect.stringContaining("vendor"));
    expect(ownRollout(found.get(415)!.files)?.threadId).toBe("019a0000-0000-7000-8000-000000000001");
    expect(found.get(420)).toEqual({ cwd: "/Users/me/work/project one", files: ["/dev/null"] });
  });

  it("reads Linux lsof, a deleted file by its path", () => {
    const found = parseLsof(fixture("linux-lsof.txt"));
    expect(found.get(4107)!.files).toEqual(["/dev/null", "/home/me/.codex/sessions/2026/12/06/rollout-2026-12-06T20-01-03-019a0000-0000-7000-8000-000000000002.jsonl", "/tmp/scratch"]);
  });
});

describe("sysctl kern.boottime", () => {
  it("names the boot from seconds and microseconds, and nothing from text it does not know", () => {
    expect(parseBoottime(fixture("macos-sysctl-boottime.txt"))).toBe("boot-1764576131.052041");
    expect(parseBoottime("sysctl: unknown oid 'kern.boottime'")).toBeUndefined();
  });
});
