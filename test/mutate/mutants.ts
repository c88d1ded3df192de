/**
 * The mutants `bun run mutate` tries: each one small edit to safety-critical code that a user
 * would feel, and the tests that must notice it. `find` must occur exactly once in `file`
 * (a mutant whose text moved is reported stale, so this list is kept true to the code).
 */
export interface Mutant {
  readonly name: string;
  readonly file: string;
  readonly find: string;
  readonly replace: string;
  /** vitest arguments: test files, optionally with `--project NAME` before them. */
  readonly tests: ReadonlyArray<string>;
  /** What a user would see if this mutant shipped. */
  readonly why: string;
}

const IDENTITY_TESTS = ["--project unit test/core/process.test.ts test/adversarial/identity.test.ts"];
const POLICY_TESTS = ["--project unit test/core/policy.test.ts test/watchdog/loop.test.ts"];
const THREAD_TESTS = ["--project unit test/core/threadMatch.test.ts test/services/history/codexHome.test.ts"];

export const MUTANTS: ReadonlyArray<Mutant> = [
  // identity: what makes a PID still the job's process
  {
    name: "verifyIdentity ignores the start time",
    file: "src/core/process.ts",
    find: `if (live.startTime !== recorded.startTime) return { ok: false, reason: "reused" };`,
    replace: "",
    tests: IDENTITY_TESTS,
    why: "a reused PID (another program now) is signalled by kill",
  },
  {
    name: "verifyIdentity ignores the boot id",
    file: "src/core/process.ts",
    find: `if (recorded.bootId !== bootId) return { ok: false, reason: "rebooted" };`,
    replace: "",
    tests: IDENTITY_TESTS,
    why: "a job recorded before a reboot has its PID, now some other program, signalled",
  },
  {
    name: "verifyIdentity ignores the owner",
    file: "src/core/process.ts",
    find: `if (live.uid !== recorded.uid || live.uid !== currentUid) return { ok: false, reason: "other-user" };`,
    replace: "",
    tests: IDENTITY_TESTS,
    why: "another user's process is treated as the job's",
  },
  {
    name: "verifyIdentity accepts a zombie",
    file: "src/core/process.ts",
    find: `if (live.state === "Z") return { ok: false, reason: "zombie" };`,
    replace: "",
    tests: IDENTITY_TESTS,
    why: "a job whose processes are all dead shows as running",
  },
  // policy firing
  {
    name: "matches lets untracked Codex be judged by every policy",
    file: "src/core/policy.ts",
    find: `if (tracked !== "either" && tracked !== subject.tracked) return false;`,
    replace: "",
    tests: POLICY_TESTS,
    why: "a max-runtime policy meant for jobs kills a Codex the user started by hand",
  },
  {
    name: "dueToFire fires again on every tick",
    file: "src/core/policy.ts",
    find: "if (last === undefined) return true;",
    replace: "return true;",
    tests: POLICY_TESTS,
    why: "a notify policy sends the same message every 5 s",
  },
  {
    name: "runtimeOver fires at half the runtime",
    file: "src/core/policy.ts",
    find: "now - subject.startedAt > w.runtimeOver",
    replace: "2 * (now - subject.startedAt) > w.runtimeOver",
    tests: POLICY_TESTS,
    why: "jobs are killed long before their max runtime",
  },
  // the job → thread mapping
  {
    name: "matchThread takes the newest thread",
    file: "src/core/threadMatch.ts",
    find: "const free = [...offers].sort((a, b) => a.createdAt - b.createdAt);",
    replace: "const free = [...offers].sort((a, b) => b.createdAt - a.createdAt);",
    tests: THREAD_TESTS,
    why: "a job that ended unseen shows another job's status, logs and tokens",
  },
  {
    name: "matchThread ignores the prompt",
    file: "src/core/threadMatch.ts",
    find: "!(seeker.promptDigest !== undefined && offer.titleDigest !== undefined && seeker.promptDigest !== offer.titleDigest)",
    replace: "true",
    tests: THREAD_TESTS,
    why: "a job whose Codex never started a thread is given its neighbour's",
  },
  {
    name: "matchThread accepts a thread older than the job",
    file: "src/core/threadMatch.ts",
    find: "offer.createdAt >= seeker.createdAt - THREAD_CLOCK_SLACK_MS &&",
    replace: "",
    tests: THREAD_TESTS,
    why: "a job is shown an earlier job's thread",
  },
  {
    name: "rolloutFromStateDb reads the newest row, whatever its thread",
    file: "src/services/history/codexHome.ts",
    find: `"SELECT rollout_path FROM threads WHERE id = ?"`,
    replace: `"SELECT rollout_path FROM threads WHERE id = ? OR 1 ORDER BY created_at DESC"`,
    tests: THREAD_TESTS,
    why: "logs of a job show another job's history",
  },
];
