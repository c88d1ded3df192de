import { expect, test } from "vitest";
import { identityOf, verifyIdentity } from "../../src/core/process.ts";
import { proc } from "./fixtures.ts";

const live = proc(4242, ["codex"], { uid: 1000, startTime: "777" });
const recorded = identityOf(live, "boot-a");

test("accepts the very process that was recorded", () => {
  expect(verifyIdentity(recorded, live, "boot-a", 1000)).toEqual({ ok: true });
});

test("refuses a reused PID: same number, another start time", () => {
  expect(verifyIdentity(recorded, { ...live, startTime: "778" }, "boot-a", 1000)).toEqual({ ok: false, reason: "reused" });
});

test("refuses after a reboot even when PID and start time happen to match", () => {
  expect(verifyIdentity(recorded, live, "boot-b", 1000)).toEqual({ ok: false, reason: "rebooted" });
});

test("refuses another user's process", () => {
  expect(verifyIdentity(recorded, { ...live, uid: 0 }, "boot-a", 1000)).toEqual({ ok: false, reason: "other-user" });
  expect(verifyIdentity(recorded, live, "boot-a", 0)).toEqual({ ok: false, reason: "other-user" });
});

test("treats a zombie and a vanished process as gone, not as targets", () => {
  expect(verifyIdentity(recorded, { ...live, state: "Z" }, "boot-a", 1000)).toEqual({ ok: false, reason: "zombie" });
  expect(verifyIdentity(recorded, undefined, "boot-a", 1000)).toEqual({ ok: false, reason: "gone" });
});

test("countersOf: the fresh counters index for index, or the first process that ended, turned zombie or moved", async () => {
  const { countersOf } = await import("../../src/core/process.ts");
  const a = proc(10, ["a"], { ppid: 1, cpuTimeMs: 5, rssBytes: 100 });
  const b = proc(11, ["b"], { ppid: 10, cpuTimeMs: 7, rssBytes: 200 });
  const same = countersOf([a, b], [{ ...a, cpuTimeMs: 50 }, { ...b, rssBytes: 300 }]);
  expect(same._tag === "Same" && [[...same.cpuTimeMs], [...same.rssBytes]]).toEqual([[50, 7], [100, 300]]);
  expect(countersOf([a, b], [a, undefined])).toEqual({ _tag: "Changed", pid: 11, change: "ended" });
  expect(countersOf([a, b], [a, { ...b, state: "Z" }])).toEqual({ _tag: "Changed", pid: 11, change: "ended" });
  expect(countersOf([a, b], [a, { ...b, ppid: 1 }])).toEqual({ _tag: "Changed", pid: 11, change: "changed parent" });
});
