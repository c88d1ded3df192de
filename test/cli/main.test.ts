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
