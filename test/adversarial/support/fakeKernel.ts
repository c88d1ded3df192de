/**
 * A machine made of data, one level below FakeWorld: the process table the real
 * ProcessTable would read, AND the kernel's side of `kill(2)`. The suites put the
 * REAL Signals service on top of it and route `process.kill` here (see
 * `routeKillTo`), so every signal the real code sends is delivered — and logged
 * with the process that actually received it — by this model:
 *
 * - SIGSTOP stops, SIGCONT continues (and delivers a TERM that waited), SIGTERM ends
 *   a process unless it ignores TERM, SIGKILL always ends it;
 * - an ended process's children go to init; it lingers as a zombie while its parent
 *   is stopped or never reaps;
 * - "forkers" fork a child on every snapshot while running; "TERM forkers" fork one as
 *   they shut down;
 * - PIDs may be handed out again (`recycleChance`), as on a machine that wrapped;
 * - `beforeOp` runs before every table operation, where a test swaps a process for an
 *   impostor between the scan and the signal.
 *
 * Every process carries a tag, `own`, `switched` or `foreign`, that the code under test
 * never sees: a delivery to a `foreign` process, to PID ≤ 1 or to a group is a wrong
 * signal. `switched` is the job's running as another user (a tool ran `sudo -u`): it may
 * be signalled, and ends where the kernel lets the supervisor signal it, else survives.
 */
import { Effect, Layer } from "effect";
import { countersOf, type ProcessInfo, sameProcess } from "../../../src/core/process.ts";
import { ProcessTable, ProcessTableError } from "../../../src/services/ProcessTable.ts";
import { kernel as machine } from "../../../src/services/proc/signal.ts";

export type Tag = "own" | "switched" | "foreign";

export interface Delivery {
  readonly pid: number;
  readonly signal: string;
  /** The process that received it, as it was at that instant; undefined when none did. */
  readonly victim: ProcessInfo | undefined;
  readonly tag: Tag | undefined;
}

export interface SpawnOptions {
  readonly ppid: number;
  readonly argv: ReadonlyArray<string>;
  readonly tag: Tag;
  readonly uid?: number;
  readonly name?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** A session (and group) of its own, as Codex gives each tool command. */
  readonly setsid?: boolean;
  /** Milliseconds relative to the kernel's epoch; default: now. */
  readonly startedAt?: number;
  readonly pid?: number;
  readonly startTime?: string;
  readonly state?: string;
}

const SIGNALS = new Set(["SIGSTOP", "SIGCONT", "SIGTERM", "SIGKILL", "SIGHUP", "SIGINT", "SIGQUIT", "SIGUSR1", "SIGUSR2", "0"]);

export class FakeKernel {
  readonly procs = new Map<number, ProcessInfo>();
  readonly environ = new Map<number, ReadonlyMap<string, string>>();
  readonly tags = new Map<string, Tag>();
  readonly deliveries: Delivery[] = [];
  /** Processes (by `pid:startTime`) in the kernel whose /proc entry cannot be read (hidepid, a foreign namespace). */
  readonly unreadable = new Set<string>();
  /** Reading it fails outright this many more times (a transient /proc or `ps` error). */
  readonly readFails = new Map<number, number>();
  readonly ignoresTerm = new Set<number>();
  /** Forks one child per snapshot while running, this many times. */
  readonly forkers = new Map<number, number>();
  /** Forks one child as SIGTERM arrives, then exits. */
  readonly forkOnTerm = new Set<number>();
  /** Never reaps its children: they stay zombies. */
  readonly neverReaps = new Set<number>();
  readonly pendingTerm = new Set<number>();
  recycleChance = 0;
  beforeOp: ((op: "snapshot" | "read" | "environ", pid?: number) => void) | undefined;
  private readonly freed: number[] = [];
  /** Every process ever spawned, by key, in order: what a watermark counts. */
  private readonly births: string[] = [];
  private nextPid = 300;
  private ticks = 10_000;
  private clockMs: number;

  constructor(readonly uid: number, public bootId: string, readonly epochMs: number, private readonly rand: () => number) {
    this.clockMs = epochMs;
  }

  static key = (p: { readonly pid: number; readonly startTime: string }): string => `${p.pid}:${p.startTime}`;

  tagOf(p: ProcessInfo): Tag | undefined {
    return this.tags.get(FakeKernel.key(p));
  }

  /** Whether the process now holding `pid` hides from the table. */
  hidden(pid: number): boolean {
    const p = this.procs.get(pid);
    return p !== undefined && this.unreadable.has(FakeKernel.key(p));
  }

  /** Moves the kernel's clock: processes spawned later start later. */
  advance(ms: number): number {
    this.clockMs += ms;
    return this.clockMs;
  }

  now(): number {
    return this.clockMs;
  }

  private allocatePid(): number {
    if (this.freed.length > 0 && this.rand() < this.recycleChance) {
      const i = Math.floor(this.rand() * this.freed.length);
      const pid = this.freed.splice(i, 1)[0]!;
      if (!this.procs.has(pid)) return pid;
    }
    while (this.procs.has(this.nextPid)) this.nextPid++;
    return this.nextPid++;
  }

  spawn(o: SpawnOptions): ProcessInfo {
    const pid = o.pid ?? this.allocatePid();
    if (this.procs.has(pid)) throw new Error(`fake kernel: pid ${pid} is taken`);
    const parent = this.procs.get(o.ppid);
    const startTime = o.startTime ?? String(++this.ticks);
    const info: ProcessInfo = {
      pid,
      ppid: o.ppid,
      pgid: o.setsid ? pid : (parent?.pgid ?? pid),
      sid: o.setsid ? pid : (parent?.sid ?? pid),
      uid: o.uid ?? this.uid,
      startTime,
      startedAt: o.startedAt ?? this.advance(7),
      state: o.state ?? "S",
      name: o.name ?? (o.argv[0] ?? "?").split("/").pop()!.slice(0, 15),
      argv: o.argv,
      rssBytes: 4096,
      cpuTimeMs: 0,
    };
    this.procs.set(pid, info);
    this.births.push(FakeKernel.key(info));
    this.tags.set(FakeKernel.key(info), o.tag);
    if (o.env) this.environ.set(pid, new Map(Object.entries(o.env)));
    return info;
  }

  /** A child of `parent` that inherits its environment, uid, tag and session. */
  fork(parent: ProcessInfo, argv: ReadonlyArray<string> = ["sleep", "600"]): ProcessInfo {
    const env = this.environ.get(parent.pid);
    return this.spawn({
      ppid: parent.pid, argv, uid: parent.uid, tag: this.tagOf(parent) ?? "foreign",
      ...(env ? { env: Object.fromEntries(env) } : {}),
    });
  }

  private set(pid: number, patch: Partial<ProcessInfo>): void {
    const p = this.procs.get(pid);
    if (p) this.procs.set(pid, { ...p, ...patch });
  }

  /** Ends a process: its children go to init, it lingers as a zombie while its parent cannot reap. */
  exit(pid: number): void {
    const p = this.procs.get(pid);
    if (!p || p.state === "Z") return;
    for (const [other, q] of this.procs) if (q.ppid === pid) this.procs.set(other, { ...q, ppid: 1 });
    this.forkers.delete(pid);
    this.pendingTerm.delete(pid);
    this.procs.set(pid, { ...p, state: "Z", argv: [] });
    this.reap();
  }

  /** Removes zombies whose parent reaps (a running parent that reaps, init, or none). */
  reap(): void {
    for (const [pid, p] of this.procs) {
      if (p.state !== "Z") continue;
      const parent = this.procs.get(p.ppid);
      const waits = parent && parent.pid > 1 && (parent.state === "T" || this.neverReaps.has(parent.pid));
      if (!waits) {
        this.procs.delete(pid);
        this.environ.delete(pid);
        this.freed.push(pid);
      }
    }
  }

  /** Replaces the process at `pid` by an unrelated one with the same number: PID reuse. */
  impostor(pid: number, over: Partial<SpawnOptions> = {}): ProcessInfo {
    const old = this.procs.get(pid);
    if (old) {
      for (const [other, q] of this.procs) if (q.ppid === pid) this.procs.set(other, { ...q, ppid: 1 });
      this.procs.delete(pid);
      this.environ.delete(pid);
    }
    return this.spawn({ ppid: 1, argv: ["/usr/bin/python3", "server.py"], tag: "foreign", setsid: true, ...over, pid });
  }

  /** What `kill(2)` does; the stand-in for process.kill while a suite routes signals here. */
  kill(pid: number, signal: string | number = "SIGTERM"): true {
    const name = typeof signal === "number" ? (signal === 0 ? "0" : `SIG#${signal}`) : signal;
    const victim = pid > 0 ? this.procs.get(pid) : undefined;
    this.deliveries.push({ pid, signal: name, victim, tag: victim ? this.tagOf(victim) : undefined });
    if (!Number.isInteger(pid) || pid <= 0) return true; // a group, or every process: always a wrong signal
    if (!victim) throw Object.assign(new Error("kill ESRCH"), { code: "ESRCH" });
    if (victim.uid !== this.uid && this.uid !== 0) throw Object.assign(new Error("kill EPERM"), { code: "EPERM" });
    if (!SIGNALS.has(name)) throw new Error(`fake kernel: signal ${name} not modelled`);
    if (victim.state === "Z" || name === "0") return true;
    switch (name) {
      case "SIGKILL":
        this.exit(pid);
        break;
      case "SIGSTOP":
        this.set(pid, { state: "T" });
        break;
      case "SIGCONT":
        this.set(pid, { state: "S" });
        if (this.pendingTerm.delete(pid)) this.terminate(pid);
        this.reap();
        break;
      default:
        if (victim.state === "T") this.pendingTerm.add(pid);
        else this.terminate(pid);
    }
    return true;
  }

  private terminate(pid: number): void {
    if (this.ignoresTerm.has(pid)) return;
    const p = this.procs.get(pid);
    if (p && this.forkOnTerm.delete(pid)) this.fork(p, ["cleanup-helper"]);
    this.exit(pid);
  }

  /** One scheduling step: running forkers fork. */
  step(): void {
    for (const [pid, left] of [...this.forkers]) {
      const p = this.procs.get(pid);
      if (!p || p.state !== "S" || left <= 0) continue;
      this.forkers.set(pid, left - 1);
      this.fork(p);
    }
  }

  /** Processes still running (not zombies) that carry `tag`. */
  alive(tag: Tag): ProcessInfo[] {
    return [...this.procs.values()].filter((p) => p.state !== "Z" && this.tagOf(p) === tag);
  }

  /** Deliveries that did not go to one of the job's own live processes. */
  wrongDeliveries(): Delivery[] {
    return this.deliveries.filter((d) => d.pid <= 1 || (d.victim !== undefined && d.tag === "foreign"));
  }

  /** The real ProcessTable's interface, over this kernel. */
  tableLayer(): Layer.Layer<ProcessTable> {
    // a status read is a read without the command line: the same look at the kernel, the same failures
    const readNow = (pid: number) => {
      this.beforeOp?.("read", pid);
      const fails = this.readFails.get(pid) ?? 0;
      if (fails > 0) {
        this.readFails.set(pid, fails - 1);
        throw new ProcessTableError({ operation: "read", cause: new Error("EIO") });
      }
      return this.hidden(pid) ? undefined : this.procs.get(pid);
    };
    const read = (pid: number) => Effect.try({ try: () => readNow(pid), catch: (e) => e as ProcessTableError });
    return Layer.succeed(ProcessTable, ProcessTable.of({
      backend: "linux",
      snapshot: () => Effect.sync(() => {
        this.beforeOp?.("snapshot");
        this.step();
        this.reap();
        return [...this.procs.values()].filter((p) => !this.hidden(p.pid));
      }),
      read,
      statusNow: readNow,
      // A watermark counts births; what started since is every process born after it that is
      // still there. Asking is a look at the kernel like a snapshot: the world moves first.
      watermark: () => Effect.sync(() => ({ lastPid: this.births.length, forks: this.births.length, tasks: this.procs.size })),
      startedSince: (since) => Effect.sync(() => {
        this.beforeOp?.("snapshot");
        this.step();
        this.reap();
        const processes = this.births.slice(since.forks).flatMap((key) => {
          const p = this.procs.get(Number(key.split(":")[0]));
          return p && FakeKernel.key(p) === key && !this.hidden(p.pid) ? [p] : [];
        });
        return { now: { lastPid: this.births.length, forks: this.births.length, tasks: this.procs.size }, processes };
      }),
      counters: (known) => Effect.sync(() => countersOf(known, known.map((p) => sameProcess(p, this.hidden(p.pid) ? undefined : this.procs.get(p.pid))))),
      bootId: () => Effect.sync(() => this.bootId),
      currentUid: this.uid,
      environ: (pid) => Effect.sync(() => {
        this.beforeOp?.("environ", pid);
        return this.hidden(pid) ? undefined : this.environ.get(pid);
      }),
      openFiles: () => Effect.succeed([]),
      cwd: () => Effect.succeed(undefined),
    }));
  }
}

/**
 * Routes `process.kill` of this worker to the kernel for the duration of `body`: the
 * real Signals service then signals the model, never the machine. (Vitest runs each
 * file in its own worker thread, and each worker has its own `process`.)
 */
export const routeKillTo = async <A>(kernel: () => FakeKernel, body: () => Promise<A>): Promise<A> => {
  const original = process.kill;
  const pidfdOpen = machine.pidfdOpen;
  process.kill = ((pid: number, signal?: string | number) => kernel().kill(pid, signal)) as typeof process.kill;
  // no pidfds on the model: Signals takes its portable path, kill(2), routed here
  machine.pidfdOpen = () => undefined;
  try {
    return await body();
  } finally {
    process.kill = original;
    machine.pidfdOpen = pidfdOpen;
  }
};
