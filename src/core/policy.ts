import { formatElapsed } from "./duration.ts";
import type { Subject } from "./subject.ts";

/**
 * A policy as the watchdog judges it: what a config's `policies` entry reads to (config/policies.ts
 * parses durations to ms and sizes to bytes). Declared here so the core needs no config.
 */
export interface Policy {
  readonly name: string;
  readonly match: {
    readonly tracked: boolean | "either";
    readonly cwd?: string | undefined;
    readonly name?: string | undefined;
    readonly kind?: string | ReadonlyArray<string> | undefined;
  };
  readonly when: {
    readonly runtimeOver?: number | undefined;
    readonly idleFor?: number | undefined;
    readonly rssOver?: number | undefined;
    readonly cpuOver?: number | undefined;
    readonly forTicks?: number | undefined;
    readonly orphaned?: boolean | undefined;
    readonly tokensOver?: number | undefined;
    readonly pythonMismatch?: boolean | undefined;
    /** The job ended (true), or ended in one of these states. */
    readonly ended?: true | ReadonlyArray<string> | undefined;
  };
  readonly repeat: boolean | number;
}

/** Counters a policy carries from tick to tick, per subject: consecutive CPU-over ticks, last firing. */
export interface PolicyMemory {
  readonly cpuTicks: Map<string, number>;
  /** `${subject.key}|${policy.name}` → when its actions last all completed. */
  readonly fired: Map<string, number>;
  /** Per subject: when its tree last worked, and its CPU time then. */
  readonly busy: Map<string, { readonly at: number; readonly cpuTimeMs: number }>;
  /** `${subject.key}|${policy.name}` → firings in a row whose actions were not all done, and when the last was. */
  readonly failed: Map<string, { readonly attempts: number; readonly at: number }>;
}

export const emptyMemory = (): PolicyMemory => ({ cpuTicks: new Map(), fired: new Map(), busy: new Map(), failed: new Map() });

/** The first retry waits for no more than the next tick; then 10 s, doubling up to this. */
export const MAX_RETRY_DELAY_MS = 10 * 60_000;

/**
 * How long after its `attempts`-th failed firing in a row a policy waits to try again. A
 * passing failure (a webhook down for a moment, a kill cut short) is retried on the next
 * tick; one that keeps failing (a notify with no channel) backs off, so it neither floods the
 * events nor turns every tick into a full one.
 */
export const retryDelayMs = (attempts: number): number =>
  attempts <= 1 ? 0 : Math.min(MAX_RETRY_DELAY_MS, 10_000 * 2 ** (attempts - 2));

export const firingKey = (subject: Pick<Subject, "key">, policy: Pick<Policy, "name">): string => `${subject.key}|${policy.name}`;

const glob = (pattern: string, value: string | undefined) => value !== undefined && new Bun.Glob(pattern).match(value);

/** Does the policy's `match` select this subject? Untracked Codex is judged only by policies that ask for it. */
export const matches = (policy: Policy, subject: Subject): boolean => {
  const { tracked, cwd, name, kind } = policy.match;
  if (tracked !== "either" && tracked !== subject.tracked) return false;
  if (cwd !== undefined && !glob(cwd, subject.cwd)) return false;
  if (name !== undefined && !glob(name, subject.name)) return false;
  if (kind !== undefined && !(Array.isArray(kind) ? kind : [kind]).includes(subject.kind)) return false;
  return true;
};

/**
 * The CPU share below which a tree counts as doing nothing. A Codex waiting on a
 * stalled model stream still wakes up: about 1% of a core for 0.169, 1-4% for 0.128
 * and 0.150. That is not work. It is measured as CPU time over the whole quiet period,
 * plus slack for clock-tick granularity, so the verdict does not depend on the interval.
 */
export const IDLE_CPU_SHARE = 0.1;
const CPU_SLACK_MS = 50;
/** How often the same ModuleNotFoundError must repeat to count as a retry loop. */
export const MISSING_MODULE_REPEATS = 3;

const mb = (bytes: number) => `${Math.round(bytes / 1_048_576)}MB`;

const idleSinceOf = (subject: Subject, memory: PolicyMemory) =>
  Math.max(subject.lastActivityAt ?? subject.startedAt, memory.busy.get(subject.key)?.at ?? subject.startedAt);

/**
 * Whether every condition of `when` holds. Every tick asks it of every policy and subject,
 * so it builds nothing. Pure: the caller updates `memory.cpuTicks` and `memory.busy` once
 * per tick first.
 */
export const holdsWhen = (policy: Policy, subject: Subject, memory: PolicyMemory, now: number): boolean => {
  const w = policy.when;
  return endedHolds(w.ended, subject) &&
    (w.runtimeOver === undefined || (subject.end?.at ?? now) - subject.startedAt > w.runtimeOver) &&
    (w.idleFor === undefined || now - idleSinceOf(subject, memory) > w.idleFor) &&
    (w.rssOver === undefined || subject.rss > w.rssOver) &&
    (w.cpuOver === undefined || (memory.cpuTicks.get(`${subject.key}|${w.cpuOver}`) ?? 0) >= (w.forTicks ?? 3)) &&
    (w.orphaned === undefined || subject.orphaned === w.orphaned) &&
    (w.tokensOver === undefined || (subject.tokens ?? 0) > w.tokensOver) &&
    (w.pythonMismatch === undefined || pythonMismatch(subject) === w.pythonMismatch);
};

/** An `ended` policy judges only ended jobs, and every other policy only live subjects. */
const endedHolds = (ended: Policy["when"]["ended"], subject: Subject): boolean =>
  ended === undefined ? subject.end === undefined : subject.end !== undefined && (ended === true || (ended as ReadonlyArray<string>).includes(subject.end.status));

/** `holdsWhen`, and when it holds, each condition in words. */
export const evaluateWhen = (policy: Policy, subject: Subject, memory: PolicyMemory, now: number): { holds: boolean; reasons: string[] } => {
  if (!holdsWhen(policy, subject, memory, now)) return { holds: false, reasons: [] };
  const w = policy.when;
  const runtime = (subject.end?.at ?? now) - subject.startedAt;
  const idle = now - idleSinceOf(subject, memory);
  const reasons: string[] = [];
  if (subject.end) reasons.push(endReason(subject, subject.end));
  if (w.runtimeOver !== undefined) reasons.push(`ran ${formatElapsed(runtime)} (over ${formatElapsed(w.runtimeOver)})`);
  if (w.idleFor !== undefined) reasons.push(`idle ${formatElapsed(idle)} (over ${formatElapsed(w.idleFor)})`);
  if (w.rssOver !== undefined) reasons.push(`memory ${mb(subject.rss)} (over ${mb(w.rssOver)})`);
  if (w.cpuOver !== undefined) reasons.push(`CPU over ${w.cpuOver}% for ${w.forTicks ?? 3} ticks (now ${subject.cpu}%)`);
  if (w.orphaned !== undefined) reasons.push(subject.orphaned ? "orphaned (launcher gone or parent is init)" : "not orphaned");
  if (w.tokensOver !== undefined) reasons.push(`used ${subject.tokens ?? 0} tokens (over ${w.tokensOver})`);
  if (w.pythonMismatch !== undefined) reasons.push(pythonReason(subject));
  return { holds: true, reasons };
};

const LAST_MESSAGE_CHARS = 300;

/** `ended: killed by policy max-runtime (ran 46m (over 45m)) after 46m, exit 143, 1520 tokens; last message: "…"`. */
const endReason = (s: Subject, end: NonNullable<Subject["end"]>): string => {
  const by = end.status === "killed" ? ` by ${end.killedBy ?? "someone else (no kill was recorded)"}${end.killReason ? ` (${end.killReason})` : ""}` : "";
  const code = end.exitCode === undefined ? "exit code unknown" : `exit ${end.exitCode}`;
  const tokens = s.tokens === undefined ? "" : `, ${s.tokens} tokens`;
  const said = end.lastAgentMessage === undefined ? "" : `; last message: ${JSON.stringify(end.lastAgentMessage.length > LAST_MESSAGE_CHARS ? `${end.lastAgentMessage.slice(0, LAST_MESSAGE_CHARS - 1)}…` : end.lastAgentMessage)}`;
  return `ended: ${end.status}${by} after ${formatElapsed(Math.max(0, end.at - s.startedAt))}, ${code}${tokens}${said}`;
};

export const pythonMismatch = (s: Subject): boolean =>
  s.python.foreignInterpreters.length > 0 || s.python.repeatedMissingModules.length > 0;

const pythonReason = (s: Subject): string => [
  ...s.python.foreignInterpreters.map((p) => `runs ${p}, outside the project's env`),
  ...s.python.repeatedMissingModules.map((m) => `keeps failing on ModuleNotFoundError: ${m}`),
].join("; ") || "Python env as expected";

/** Updates the per-tick counters `evaluateWhen` reads. */
export const observeTick = (subjects: ReadonlyArray<Subject>, policies: ReadonlyArray<Policy>, memory: PolicyMemory, now: number): void => {
  const thresholds = new Set(policies.flatMap((p) => (p.when.cpuOver === undefined ? [] : [p.when.cpuOver])));
  const live = new Set(subjects.map((s) => s.key));
  for (const s of subjects) {
    const mark = memory.busy.get(s.key);
    if (!mark) {
      // first sight (or a restarted watchdog): its CPU share so far says whether it has been working
      memory.busy.set(s.key, { at: s.cpu >= IDLE_CPU_SHARE * 100 ? now : s.startedAt, cpuTimeMs: s.cpuTimeMs });
    } else if (s.cpuTimeMs - mark.cpuTimeMs > IDLE_CPU_SHARE * (now - mark.at) + CPU_SLACK_MS) {
      memory.busy.set(s.key, { at: now, cpuTimeMs: s.cpuTimeMs });
    }
    for (const t of thresholds) {
      const key = `${s.key}|${t}`;
      memory.cpuTicks.set(key, s.cpu > t ? (memory.cpuTicks.get(key) ?? 0) + 1 : 0);
    }
  }
  for (const key of memory.busy.keys()) if (!live.has(key)) memory.busy.delete(key);
  // keyed `${subject.key}|…`: what a subject no longer seen left behind goes with it
  for (const map of [memory.cpuTicks, memory.failed]) {
    for (const key of map.keys()) if (!live.has(key.slice(0, key.lastIndexOf("|")))) map.delete(key);
  }
};

/**
 * Fire now? Once per subject and policy, unless `repeat` (true: every tick; ms: at most that
 * often); after a firing whose actions were not all done, once its retry delay has passed.
 */
export const dueToFire = (policy: Policy, subject: Subject, memory: PolicyMemory, now: number): boolean => {
  const key = firingKey(subject, policy);
  const failed = memory.failed.get(key);
  if (failed && now - failed.at < retryDelayMs(failed.attempts)) return false;
  const last = memory.fired.get(key);
  if (last === undefined) return true;
  if (policy.repeat === true) return true;
  return typeof policy.repeat === "number" && now - last >= policy.repeat;
};
