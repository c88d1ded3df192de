import { expect, test } from "vitest";
import { ConfigError } from "../../src/core/errors.ts";
import { didYouMean, formatConfigError } from "../../src/config/format.ts";

test("suggests the closest allowed key only when it is close", () => {
  expect(didYouMean("codx", ["codex", "database", "python"])).toBe("codex");
  expect(didYouMean("Pyhton", ["codex", "database", "python"])).toBe("python");
  expect(didYouMean("zzzzzz", ["codex", "database", "python"])).toBeUndefined();
});

test("renders the file, then one indented line per issue", () => {
  const error = new ConfigError({
    file: "/p/codex-supervisor.config.ts",
    issues: [{ path: "codex.bin", message: "expected a string, got number" }, { path: "", message: "invalid JSON: oops" }],
  });
  expect(formatConfigError(error)).toEqual([
    "config error in /p/codex-supervisor.config.ts:",
    "  - codex.bin: expected a string, got number",
    "  - invalid JSON: oops",
  ]);
});
