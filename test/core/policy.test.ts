import { describe, expect, test } from "vitest";
import { policySchema } from "../../src/config/policies.ts";
import { dueToFire, emptyMemory, evaluateWhen, firingKey, matches, MAX_RETRY_DELAY_MS, observeTick, retryDelayMs } from "../../src/core/policy.ts";
import type { Subject } from "../../src/core/subject.ts";

const T0 = 1_800_000_000_000;
const policy = (input: unknown) => policySchema.parse(input);
const subject = (over: Partial<Subject> = {}): Subject => ({
  key: "job-1", tracked: true, job: undefined, name: "nightly", cwd: "/work/app", kind: "exec",
  pid: 100, pids: [100, 101], threadId: undefined, startedAt: T0, rss: 100 * 1024 * 1024, cpu: 0, cpuTimeMs: 0,
  orphaned: false, lastActivityAt: undefined, tokens: undefined,
  python: { foreignInterpreters: [], repeatedMissingModules: [] },
  ...over,
});

describe("matches", () => {
  test("judges only the supervisor's jobs unless the policy asks for untracked Codex", () => {
    const p = policy({ name: "p", when: { runtimeOver: "1m" }, do: ["notify"] });
    expect(matches(p, subject())).toBe(true);
    expect(matches(p, subject({ tracked: false }))).toBe(false);
    expect(matches(policy({ name: "p", match: { tracked: false }, when: { orphaned: true }, do: ["kill"] }), subject({ tracked: false }))).toBe(true);
    expect(matches(policy({ name: "p", match: { tracked: "either" }, when: { orphaned: true }, do: ["notify"] }), subject({ tracked: false }))).toBe(true);
  });

  test("filters by cwd and name globs and by kind", () => {
    const p = policy({ name: "p", match: { cwd: "/work/**", name: "night*", kind: ["exec", "exec-resume"] }, when: { runtimeOver: "1m" }, do: ["notify"] });
    expect(matches(p, subject())).toBe(true);
    expect(matches(p, subject({ cwd: "/home/x" }))).toBe(false);
    expect(matches(p, subject({ name: "daily" }))).toBe(false);
    expect(matches(p, subject({ kind: "app-server" }))).toBe(false);
  });
});

describe("evaluateWhen", () => {
  test("runtime counts from the job's start and every condition must hold", () => {
    const p = policy({ name: "p", when: { runtimeOver: "45m", rssOver: "1GB" }, do: ["notify"] });
    const memory = emptyMemory();
    expect(evaluateWhen(p, subject(), memory, T0 + 46 * 60_000).holds).toBe(false); // memory is low
    const big = subject({ rss: 2e9 });
    expect(evaluateWhen(p, big, memory, T0 + 44 * 60_000).holds).toBe(false);
    const r = evaluateWhen(p, big, memory, T0 + 46 * 60_000);
    expect(r.holds).toBe(true);
    expect(r.reasons.join("; ")).toMatch(/ran 46m 00s \(over 45m 00s\); memory 1907MB/);
  });

  test("idle means no new history record and no CPU work for the whole period; a background hum is not work", () => {
    const p = policy({ name: "stuck", when: { idleFor: "15m" }, do: ["notify"] });
    const memory = emptyMemory();
    const s = subject({ lastActivityAt: T0 + 60_000, cpuTimeMs: 1000 });
    observeTick([s], [p], memory, T0 + 60_000);
    expect(evaluateWhen(p, s, memory, T0 + 10 * 60_000).holds).toBe(false);
    expect(evaluateWhen(p, s, memory, T0 + 17 * 60_000).holds).toBe(true);
    // 1% of a core while waiting on the model: still idle
    observeTick([{ ...s, cpuTimeMs: 1000 + 0.01 * 15 * 60_000 }], [p], memory, T0 + 16 * 60_000);
    expect(evaluateWhen(p, s, memory, T0 + 17 * 60_000).holds).toBe(true);
    // 30% of a core since: it is working, not stuck
    observeTick([{ ...s, cpuTimeMs: 1000 + 0.3 * 16 * 60_000 }], [p], memory, T0 + 16.5 * 60_000);
    expect(evaluateWhen(p, s, memory, T0 + 17 * 60_000).holds).toBe(false);
  });

  test("cpuOver must hold for forTicks consecutive ticks", () => {
    const p = policy({ name: "hot", when: { cpuOver: 90, forTicks: 3 }, do: ["notify"] });
    const memory = emptyMemory();
    const hot = subject({ cpu: 150 });
    const seen = [hot, hot, subject({ cpu: 10 }), hot, hot, hot].map((s, i) => {
      observeTick([s], [p], memory, T0 + i * 5000);
      return evaluateWhen(p, s, memory, T0 + i * 5000).holds;
    });
    expect(seen).toEqual([false, false, false, false, false, true]);
  });

  test("pythonMismatch holds for a foreign interpreter or a repeated missing module", () => {
    const p = policy({ name: "py", when: { pythonMismatch: true }, do: ["notify"] });
    const memory = emptyMemory();
    expect(evaluateWhen(p, subject(), memory, T0).holds).toBe(false);
    expect(evaluateWhen(p, subject({ python: { foreignInterpreters: ["/usr/bin/python3"], repeatedMissingModules: [] } }), memory, T0).reasons[0])
      .toContain("runs /usr/bin/python3, outside the project's env");
    expect(evaluateWhen(p, subject({ python: { foreignInterpreters: [], repeatedMissingModules: ["numpy"] } }), memory, T0).holds).toBe(true);
  });
});

describe("dueToFire", () => {
  test("fires once per subject and policy unless repeat says otherwise", () => {
    const once = policy({ name: "once", when: { orphaned: true }, do: ["notify"] });
    const every = policy({ name: "every", when: { orphaned: true }, do: ["notify"], repeat: "10m" });
    const memory = emptyMemory();
    const s = subject();
    expect(dueToFire(once, s, memory, T0)).toBe(true);
    memory.fired.set(firingKey(s, once), T0);
    memory.fired.set(firingKey(s, every), T0);
    expect(dueToFire(once, s, memory, T0 + 86_400_000)).toBe(false);
    expect(dueToFire(once, subject({ key: "job-2" }), memory, T0)).toBe(true);
    expect(dueToFire(every, s, memory, T0 + 5 * 60_000)).toBe(false);
    expect(dueToFire(every, s, memory, T0 + 10 * 60_000)).toBe(true);
  });

  test("after a firing whose actions were not all done: the next tick, then 10 s doubling to 10 minutes", () => {
    expect([1, 2, 3, 4, 8, 9, 50].map(retryDelayMs)).toEqual([0, 10_000, 20_000, 40_000, 600_000, MAX_RETRY_DELAY_MS, MAX_RETRY_DELAY_MS]);
    const p = policy({ name: "p", when: { orphaned: true }, do: ["notify"] });
    const memory = emptyMemory();
    const s = subject();
    memory.failed.set(firingKey(s, p), { attempts: 1, at: T0 });
    expect(dueToFire(p, s, memory, T0 + 1)).toBe(true);
    memory.failed.set(firingKey(s, p), { attempts: 3, at: T0 });
    expect(dueToFire(p, s, memory, T0 + 19_999)).toBe(false);
    expect(dueToFire(p, s, memory, T0 + 20_000)).toBe(true);
    expect(dueToFire(p, subject({ key: "job-2" }), memory, T0)).toBe(true); // per subject
    observeTick([subject({ key: "job-2" })], [p], memory, T0); // the subject is gone: so is its count
    expect(memory.failed.size).toBe(0);
  });
});

test("a policy with no conditions, a bad duration or an unknown key is a config error", () => {
  expect(policySchema.safeParse({ name: "p", when: {}, do: ["notify"] }).success).toBe(false);
  expect(policySchema.safeParse({ name: "p", when: { runtimeOver: "45 minutes" }, do: ["notify"] }).success).toBe(false);
  expect(policySchema.safeParse({ name: "p", when: { runtimeOver: "45m" }, do: ["notify"], then: [] }).success).toBe(false);
});
