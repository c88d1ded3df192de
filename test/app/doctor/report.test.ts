import { expect, test } from "vitest";
import { doctorReport, fail, ok, warn } from "../../../src/app/doctor/check.ts";
import { judgeConfig } from "../../../src/app/doctor/config.ts";
import { renderDoctor } from "../../../src/app/doctor/render.ts";
import { judgeService, type ServiceFacts } from "../../../src/app/doctor/service.ts";
import { ConfigError } from "../../../src/core/errors.ts";

test("the report is ok with warnings, and not with one failure", () => {
  const good = ok({ id: "a", title: "a", detail: "fine" });
  const meh = warn({ id: "b", title: "b", detail: "hmm" }, "do x");
  expect(doctorReport([good, meh]).ok).toBe(true);
  expect(doctorReport([good, meh, fail({ id: "c", title: "c", detail: "broken" })]).ok).toBe(false);
});

test("the text shows ✓ / ! / ✗ per check, detail and fix indented under it, and a verdict", () => {
  const text = renderDoctor(doctorReport([
    ok({ id: "config", title: "config", detail: "valid" }),
    warn({ id: "p", title: "python", detail: "first line\nsecond line" }, "do this"),
    fail({ id: "d", title: "database", detail: "broken" }, "do that"),
  ]), "/work/app");
  expect(text).toBe([
    "codex-supervisor doctor for /work/app",
    "",
    "✓ config: valid",
    "! python: first line",
    "    second line",
    "    fix: do this",
    "✗ database: broken",
    "    fix: do that",
    "",
    "1 check failed, 1 warning",
  ].join("\n"));
  expect(renderDoctor(doctorReport([ok({ id: "a", title: "a", detail: "x" })]), "/w").endsWith("\nhealthy")).toBe(true);
});

test("a broken config fails naming the file and each key, with the fix", () => {
  const error = new ConfigError({
    file: "/work/app/.codex-supervisorrc.json",
    issues: [{ path: "codex.bim", message: `unknown key (did you mean "bin"?)` }, { path: "watchdog.interval", message: "expected a duration" }],
  });
  const check = judgeConfig({ cwd: "/work/app", files: [], error, plugins: undefined });
  expect(check.status).toBe("fail");
  expect(check.detail).toContain("/work/app/.codex-supervisorrc.json is not valid");
  expect(check.detail).toContain(`- codex.bim: unknown key (did you mean "bin"?)`);
  expect(check.detail).toContain("- watchdog.interval: expected a duration");
  expect(check.fix).toContain("edit /work/app/.codex-supervisorrc.json");
  expect(judgeConfig({ cwd: "/w", files: [], error: undefined, plugins: undefined }).detail).toContain("the defaults");
});

const service = (over: Partial<ServiceFacts>): ServiceFacts =>
  ({ kind: "systemd", path: "/home/u/.config/systemd/user/codex-supervisor.service", installed: true, upToDate: true, running: true, detail: "active", ...over });

test("the watchdog service: not installed warns with install, installed but stopped fails, running is ok", () => {
  const missing = judgeService(service({ installed: false, upToDate: null, running: false }));
  expect(missing).toMatchObject({ status: "warn", fix: "codex-supervisor service install" });
  const stopped = judgeService(service({ running: false, detail: "inactive" }));
  expect(stopped.status).toBe("fail");
  expect(stopped.fix).toContain("journalctl --user -u codex-supervisor.service");
  expect(judgeService(service({ running: null, detail: "Failed to connect to bus" })).status).toBe("warn");
  expect(judgeService(service({ upToDate: false })).status).toBe("warn");
  expect(judgeService(service({})).status).toBe("ok");
});
