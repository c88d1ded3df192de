import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/main.ts";

describe("the command table", () => {
  it("names each lazily loaded command as the command names itself", async () => {
    for (const entry of COMMANDS) {
      const command = await entry.load();
      expect({ name: command.name, aliases: command.aliases ?? [] }).toEqual({ name: entry.name, aliases: entry.aliases ?? [] });
    }
  });
});

describe("the launcher", () => {
  it("is committed executable, as package.json's bin needs (bun link would chmod it and leave the checkout dirty)", async () => {
    const proc = Bun.spawn(["git", "ls-files", "-s", "bin/codex-supervisor.ts"], { cwd: `${import.meta.dirname}/../..`, stdout: "pipe" });
    const [out] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    expect(out.split(" ")[0]).toBe("100755");
  });
});
