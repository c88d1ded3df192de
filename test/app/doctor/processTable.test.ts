import { describe, expect, it } from "vitest";
import { judgeProcessTable } from "../../../src/app/doctor/processTable.ts";

const everywhere = (program: string) => `/usr/bin/${program}`;

describe("judgeProcessTable", () => {
  it("names the backend and why it was chosen", () => {
    expect(judgeProcessTable({ env: {}, platform: "linux", found: everywhere })).toMatchObject({ status: "ok", detail: "linux (/proc): the default on linux" });
    expect(judgeProcessTable({ env: {}, platform: "darwin", found: everywhere })).toMatchObject({ status: "ok", detail: "portable (ps and lsof): the default on darwin" });
  });

  it("warns when the portable backend has no lsof, saying what cannot be read", () => {
    const check = judgeProcessTable({ env: {}, platform: "darwin", found: (p) => (p === "lsof" ? undefined : everywhere(p)) });
    expect(check.status).toBe("warn");
    expect(check.detail).toContain("lsof not found: no open file or cwd can be read");
    expect(check.fix).toBe("install lsof (macOS ships both)");
  });

  it("warns when the variable names no backend", () => {
    const check = judgeProcessTable({ env: { CODEX_SUPERVISOR_PROCESS_TABLE: "bsd" }, platform: "linux", found: everywhere });
    expect(check).toMatchObject({ status: "warn", detail: "linux (/proc): the default on linux (CODEX_SUPERVISOR_PROCESS_TABLE=bsd ignored: expected portable or linux)" });
  });
});
