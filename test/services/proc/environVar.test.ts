import { afterEach, expect, test } from "vitest";
import { linuxEnviron, linuxEnvironVar } from "../../../src/services/proc/linux.ts";

const started: Bun.Subprocess[] = [];
afterEach(() => { for (const p of started.splice(0)) p.kill("SIGKILL"); });

const withEnv = async (env: Record<string, string>) => {
  const p = Bun.spawn(["sleep", "30"], { env, stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  started.push(p);
  // the environment is readable once the exec is done: wait on that, not on time
  const deadline = Date.now() + 5000;
  while (linuxEnviron(p.pid)?.get("READY") !== "1") {
    if (Date.now() > deadline) throw new Error("sleep's environment never became readable");
    await Bun.sleep(5);
  }
  return p.pid;
};

test.skipIf(process.platform !== "linux")("finds one variable by its whole name at the start of an entry, as environ parses it", async () => {
  const pid = await withEnv({ XCODEX_SUPERVISOR_JOB_ID: "decoy", A: "x CODEX_SUPERVISOR_JOB_ID=inside", CODEX_SUPERVISOR_JOB_ID: "the-job", READY: "1" });
  expect(linuxEnvironVar(pid, "CODEX_SUPERVISOR_JOB_ID")).toBe("the-job");
  expect(linuxEnvironVar(pid, "CODEX_SUPERVISOR_JOB_ID")).toBe(linuxEnviron(pid)?.get("CODEX_SUPERVISOR_JOB_ID"));
  expect(linuxEnvironVar(pid, "READY")).toBe("1");
  expect(linuxEnvironVar(pid, "MISSING")).toBeUndefined();
  const only = await withEnv({ READY: "1" });
  expect(linuxEnvironVar(only, "CODEX_SUPERVISOR_JOB_ID")).toBeUndefined();
  expect(linuxEnvironVar(999_999_999, "READY")).toBeUndefined();
});
