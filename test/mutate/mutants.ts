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
const SIGNAL_TESTS = ["--project unit test/services/Signals.test.ts test/app/jobs/killTree.test.ts"];
const STRAY_TESTS = ["--project unit test/core/tree.test.ts test/app/jobs/killTree.test.ts"];
const KILL_TESTS = ["--project unit test/app/jobs/killTree.test.ts"];
const TRUST_TESTS = ["--project unit test/config/trust.test.ts test/adversarial/security.test.ts"];
const LAUNCH_TESTS = ["--project unit test/core/python.test.ts test/plugins/env-fixup.test.ts"];
/** Real Codex, pinned release only (the runner sets CODEX_SUPERVISOR_MATRIX=pinned): what a user sees of a launch. */
const LAUNCH_REAL_TESTS = ["test/real/safetyRules.test.ts"];

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
    find: `if (!recorded.anyOwner && (live.uid !== recorded.uid || live.uid !== currentUid)) return { ok: false, reason: "other-user" };`,
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
    find: "(subject.end?.at ?? now) - subject.startedAt > w.runtimeOver",
    replace: "2 * ((subject.end?.at ?? now) - subject.startedAt) > w.runtimeOver",
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
  // signals: the one place a signal leaves the program
  {
    name: "Signals sends without reading the process again first",
    file: "src/services/Signals.ts",
    find: "if (refused) return refused;",
    replace: "",
    tests: SIGNAL_TESTS,
    why: "a PID reused by another program since the job was recorded receives the signal",
  },
  {
    name: "pidfdSend sends SIGKILL whatever was asked",
    file: "src/services/proc/signal.ts",
    find: "lib.syscall(SYS_PIDFD_SEND_SIGNAL, fd, signalNumber(signal), 0, 0)",
    replace: "lib.syscall(SYS_PIDFD_SEND_SIGNAL, fd, 9, 0, 0)",
    tests: SIGNAL_TESTS,
    why: "a kill never lets a tool's TERM handler clean up: every process is SIGKILLed at once",
  },
  {
    name: "pidfdSend calls a refused signal sent",
    file: "src/services/proc/signal.ts",
    find: "!== 0) throw new KernelError(lib.errno());",
    replace: "!== 0) lib.errno();",
    tests: SIGNAL_TESTS,
    why: "a process the kernel would not let us signal is reported killed, not refused with the reason",
  },
  // strays: a process cut off from the job's tree, claimed by its marker
  {
    name: "isStrayOfJob ignores the marker",
    file: "src/core/tree.ts",
    find: "couldBeStray(p, parent, marks) && env?.get(JOB_MARKER) === marks.jobId;",
    replace: "couldBeStray(p, parent, marks);",
    tests: STRAY_TESTS,
    why: "any daemon of the user's that init adopted since the job started is killed with the job",
  },
  {
    name: "couldBeStray ignores the owner",
    file: "src/core/tree.ts",
    find: "p.uid === marks.uid && p.pid > 1 && p.startedAt + 1000 >= marks.createdAt &&",
    replace: "p.pid > 1 && p.startedAt + 1000 >= marks.createdAt &&",
    tests: STRAY_TESTS,
    why: "another user's process that copied the job's marker is killed",
  },
  {
    name: "couldBeStray ignores the start time",
    file: "src/core/tree.ts",
    find: "p.uid === marks.uid && p.pid > 1 && p.startedAt + 1000 >= marks.createdAt &&",
    replace: "p.uid === marks.uid && p.pid > 1 &&",
    tests: STRAY_TESTS,
    why: "a process older than the job, carrying its marker, is killed as the job's",
  },
  {
    name: "isAdoptedBy takes any parent for an adopter",
    file: "src/core/tree.ts",
    find: "ppid <= 1 || !parent || ADOPTERS.has(parent.name);",
    replace: "true;",
    tests: STRAY_TESTS,
    why: "a decoy carrying the marker under a live parent of its own (another program's child) is killed",
  },
  {
    name: "isChildOfMember takes any other user's child, old or new",
    file: "src/core/tree.ts",
    find: "p.uid === uid || p.startedAt >= parent.startedAt;",
    replace: "true;",
    tests: STRAY_TESTS,
    why: "a root-owned service a subreaper member adopted (older than it) is killed with the job",
  },
  // the tree kill
  {
    name: "killTree does not freeze the tree first",
    file: "src/app/jobs/killTree.ts",
    find: `yield* sendAll(state, fresh.map(keyOf), "SIGSTOP");`,
    replace: "",
    tests: KILL_TESTS,
    why: "a tool that forks while the kill runs outruns it: its children survive",
  },
  {
    name: "killTree does not continue the tree after SIGTERM",
    file: "src/app/jobs/killTree.ts",
    find: `yield* sendAll(state, [...known.keys()].filter((key) => !rootKeys.has(key)), "SIGCONT");`,
    replace: "",
    tests: KILL_TESTS,
    why: "no tool's TERM handler ever runs: each is SIGKILLed, frozen, at the deadline, its cleanup lost",
  },
  {
    name: "killTree skips the look shortly before the deadline",
    file: "src/app/jobs/killTree.ts",
    find: `yield* sendAll(state, (yield* scan(state)).map(keyOf), "SIGTERM");`,
    replace: "",
    tests: KILL_TESTS,
    why: "a child a TERM handler starts (its cleanup) gets no SIGTERM, only SIGKILL, or survives",
  },
  {
    name: "killTree never looks again once the members are gone",
    file: "src/app/jobs/killTree.ts",
    find: "const late = yield* scan(state, { full: withRoots });",
    replace: "const late: ProcessInfo[] = [];",
    tests: KILL_TESTS,
    why: "a process forked by a dying member survives the kill, which says killed",
  },
  {
    name: "killTree counts a refused member gone",
    file: "src/app/jobs/killTree.ts",
    find: "const left = yield* alive(state, true, false, true);",
    replace: "const left = yield* alive(state, true, false, false);",
    tests: KILL_TESTS,
    why: "kill says killed while a process it was not allowed to signal runs on",
  },
  // policy firing
  {
    name: "fire counts a policy fired when an action failed",
    file: "src/watchdog/fire.ts",
    find: "allDone &&= done;",
    replace: "",
    tests: POLICY_TESTS,
    why: "a kill or notify that failed is never tried again",
  },
  // launch
  {
    name: "the venv launch keeps the login shell",
    file: "src/core/launch.ts",
    find: `args: [exec ?? "exec", "-c", "allow_login_shell=false", ...rest]`,
    replace: `args: [exec ?? "exec", ...rest]`,
    tests: LAUNCH_TESTS,
    why: "python in the job's tool commands is the system's, not the project's venv (the login shell resets PATH)",
  },
  {
    name: "the venv launch does not put the venv's bin on PATH",
    file: "src/core/launch.ts",
    find: "env.PATH = [bin, withoutEntry(env.PATH ?? \"\", previous)]",
    replace: "env.PATH = [withoutEntry(env.PATH ?? \"\", previous)]",
    tests: LAUNCH_TESTS,
    why: "python in the job's tool commands is the system's, not the project's venv",
  },
  {
    name: "the job's marker is not given to Codex",
    file: "src/core/launch.ts",
    find: "[\"-c\", `shell_environment_policy.set.${JOB_MARKER}=${tomlString(jobId)}`]",
    replace: "[]",
    tests: ["test/core/python.test.ts test/plugins/env-fixup.test.ts test/real/safetyRules.test.ts"],
    why: "a tool process reparented to init is no longer known as the job's: kill leaves it running",
  },
  {
    name: "the prompt goes in argv",
    file: "src/app/jobs/start.ts",
    find: "args: [exec!, ...resumeArgs, ...rest],",
    replace: "args: [exec!, ...resumeArgs, ...rest.slice(0, -1), request.prompt],",
    tests: LAUNCH_REAL_TESTS,
    why: "the prompt (and whatever secret it holds) shows in ps to every user of the machine",
  },
  // project trust: a folder's config (and the plugins it names) runs only once its owner trusted it
  {
    name: "a project config never trusted is applied, plugins and all",
    file: "src/config/trust.ts",
    find: `if (!entry) return { trusted: false, reason: "it was never trusted" };`,
    replace: `if (!entry) return { trusted: true, entry: { sha256, trustedAt: "", plugins: new Proxy({}, { get: (_t, k) => (typeof k === "string" ? sha256Of(k) : undefined) }) } };`,
    tests: TRUST_TESTS,
    why: "any folder a Codex runs in runs its code in the user's always-on watchdog (a cloned repository's plugin, say)",
  },
  {
    name: "a trusted config's plugin file edited since is still imported",
    file: "src/config/trust.ts",
    find: "if (now !== known) return `its plugin file ${file} was edited since it was trusted`;",
    replace: "",
    tests: TRUST_TESTS,
    why: "whoever can edit a trusted project's plugin file runs code in the watchdog without a new trust",
  },
  // a kill recorded by another process
  {
    name: "refresh forgets a kill another process recorded after its copy was read",
    file: "src/app/jobs/refresh.ts",
    find: "killRequestedAt ??= (yield* store.get(job.id))?.killRequestedAt;",
    replace: "",
    tests: ["--project unit test/adversarial/crashes.test.ts -t copy"],
    why: "a job the watchdog (or another kill) ended is shown exited, as if it had ended by itself",
  },
];
