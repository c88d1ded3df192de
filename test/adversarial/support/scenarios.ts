/**
 * Random machines for the identity suite: a job's real-looking tree (npm launcher,
 * native Codex, tool commands in sessions of their own, their children) among
 * background noise, then one or more attacks on the supervisor's idea of which
 * processes are the job's. Everything is drawn from a seeded Random.
 */
import type { Job } from "../../../src/core/job.ts";
import { markerArgs } from "../../../src/core/launch.ts";
import { identityOf, type ProcessInfo } from "../../../src/core/process.ts";
import { FakeKernel } from "./fakeKernel.ts";
import type { Random } from "./random.ts";

export const ATTACKS = [
  "launcher-reused", "native-reused", "all-dead-reused", "strays-only", "launcher-sigkilled",
  "decoys", "same-name", "zombie-launcher", "zombie-member", "unreadable", "read-fails", "reboot",
  "other-user-recorded", "other-user-member", "pid-1-or-group", "race-swap", "forker", "term-forker",
  "ignores-term", "pid-recycling", "strays-any-thread",
] as const;
export type Attack = (typeof ATTACKS)[number];

export interface Scenario {
  readonly kernel: FakeKernel;
  readonly job: Job;
  readonly attacks: ReadonlyArray<Attack>;
  readonly uid: number;
  readonly graceMs: number;
  /** A recorded PID that now names a live, non-zombie process that is not the job's. */
  readonly recordedPidTaken: boolean;
}

const uuid = (r: Random): string => {
  const hex = () => r.int(0, 15).toString(16);
  const part = (n: number) => Array.from({ length: n }, hex).join("");
  return `${part(8)}-${part(4)}-4${part(3)}-8${part(3)}-${part(12)}`;
};

const launcherArgv = (jobId: string) => ["node", "/usr/lib/node_modules/@openai/codex/bin/codex.js", "exec", "--skip-git-repo-check", ...markerArgs(jobId), "-"];
const nativeArgv = (jobId: string) => ["/usr/lib/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex", ...launcherArgv(jobId).slice(2)];
const TOOL_COMMANDS = ["sleep 600", "pytest -x", "npm test", "make -j4", "cargo build", "python train.py"];

export const buildScenario = (r: Random): Scenario => {
  const uid = r.chance(0.5) ? 0 : 1000; // as root, only the supervisor's own check stands between it and every process
  const other = uid === 0 ? 1000 : 1001;
  const kernel = new FakeKernel(uid, "boot-1", Date.now() - 3_600_000, () => r.next());
  const k = kernel;
  const init = k.spawn({ pid: 1, ppid: 0, argv: ["/sbin/init"], name: r.pick(["systemd", "init", "process_api", "tini"]), uid: 0, tag: "foreign", startTime: "1", startedAt: k.epochMs - 86_400_000 });

  // Background: the user's shell and editor, another user's daemon, a Codex the supervisor did not start.
  const shell = k.spawn({ ppid: init.pid, argv: ["-bash"], name: "bash", tag: "foreign", setsid: true, uid });
  k.fork(shell, ["vim", "notes.md"]);
  const daemon = k.spawn({ ppid: init.pid, argv: ["postgres", "-D", "/var/lib/postgres"], tag: "foreign", uid: other, setsid: true });
  k.fork(daemon, ["postgres: writer"]);
  const outsideId = uuid(r);
  const outsideThread = uuid(r);
  const outside = k.spawn({ ppid: shell.pid, argv: launcherArgv(outsideId), name: "node", tag: "foreign", uid });
  const outsideNative = k.fork(outside, nativeArgv(outsideId));
  const outsideTool = k.spawn({ ppid: outsideNative.pid, argv: ["/bin/bash", "-c", "sleep 600"], tag: "foreign", setsid: true, env: { CODEX_SUPERVISOR_JOB_ID: outsideId, CODEX_THREAD_ID: outsideThread } });
  k.fork(outsideTool);

  // The job.
  const jobId = uuid(r);
  const threadId = uuid(r);
  const createdAt = k.advance(50);
  const parent = r.chance(0.5) ? init : shell;
  const L = k.spawn({ ppid: parent.pid, argv: launcherArgv(jobId), name: "node", tag: "own", setsid: true, env: { CODEX_SUPERVISOR_JOB_ID: jobId } });
  const N = k.fork(L, nativeArgv(jobId));
  const toolEnv = { CODEX_SUPERVISOR_JOB_ID: jobId, CODEX_THREAD_ID: threadId, CODEX_SESSION_ID: threadId, PATH: "/usr/bin" };
  const tools: ProcessInfo[] = [];
  for (let i = r.int(1, 3); i > 0; i--) {
    const tool = k.spawn({ ppid: N.pid, argv: ["/bin/bash", "-c", r.pick(TOOL_COMMANDS)], tag: "own", setsid: true, env: toolEnv });
    tools.push(tool);
    let tip = tool;
    for (let depth = r.int(0, 4); depth > 0; depth--) {
      tip = k.fork(tip, [r.pick(["bash", "python3", "node", "sleep"]), "work"]);
      tools.push(tip);
      if (r.chance(0.3)) tools.push(k.fork(tip));
    }
  }
  const nativeRecorded = r.chance(0.85);
  const bootId = k.bootId;
  let job: Job = {
    id: jobId, name: r.chance(0.5) ? "nightly" : undefined, cwd: "/work/app", status: "running", createdAt, endedAt: undefined,
    codexBin: "codex", codexHome: "/nonexistent/codex-home", args: launcherArgv(jobId).slice(2), python: { kind: "none", source: "none" },
    launcher: identityOf(L, bootId),
    native: nativeRecorded ? identityOf(N, bootId) : undefined,
    // Codex's thread is learnt from the native's open rollout: known only once the native is recorded.
    threadId: nativeRecorded && r.chance(0.8) ? threadId : undefined,
    rolloutPath: undefined, resumedFrom: undefined, exitCode: undefined, killRequestedAt: undefined,
  };

  const count = r.int(1, 3);
  const attacks = new Set<Attack>();
  while (attacks.size < count) attacks.add(r.pick(ATTACKS));
  let recordedPidTaken = false;
  const live = (p: ProcessInfo) => k.procs.get(p.pid)?.startTime === p.startTime && k.procs.get(p.pid)?.state !== "Z";
  const ownLive = () => k.alive("own");
  const exitTree = (roots: ReadonlyArray<ProcessInfo>) => {
    for (const p of roots) if (live(p)) k.exit(p.pid);
  };
  const foreignMarked = (over: { ppid: number; uid?: number; startedAt?: number; marker?: string; thread?: string; argv?: ReadonlyArray<string> }) =>
    k.spawn({
      ppid: over.ppid, uid: over.uid ?? uid, tag: "foreign", setsid: true,
      argv: over.argv ?? launcherArgv(jobId),
      env: { CODEX_SUPERVISOR_JOB_ID: over.marker ?? jobId, CODEX_THREAD_ID: over.thread ?? threadId },
      ...(over.startedAt === undefined ? {} : { startedAt: over.startedAt }),
    });

  for (const attack of attacks) {
    switch (attack) {
      case "launcher-reused":
        if (live(L)) {
          k.exit(L.pid);
          // a stranger that got the number; it may even claim the job on its command line
          k.impostor(L.pid, r.chance(0.5) ? { argv: launcherArgv(jobId), uid } : { uid });
          recordedPidTaken = true;
        }
        break;
      case "native-reused":
        if (live(N) && job.native) {
          k.exit(N.pid);
          k.impostor(N.pid, { argv: nativeArgv(jobId), uid });
          recordedPidTaken = true;
        }
        break;
      case "all-dead-reused":
        exitTree([...tools].reverse());
        exitTree([N, L]);
        if (!k.procs.has(L.pid)) {
          k.impostor(L.pid, { uid, argv: r.chance(0.5) ? launcherArgv(jobId) : ["nginx"] });
          recordedPidTaken = true;
        }
        break;
      case "strays-only":
        exitTree([N, L]);
        break;
      case "launcher-sigkilled":
        exitTree([L]);
        break;
      case "decoys": {
        const early = createdAt - r.int(5_000, 600_000);
        foreignMarked({ ppid: shell.pid }); // under a live parent of its own
        foreignMarked({ ppid: init.pid, startedAt: early }); // older than the job
        foreignMarked({ ppid: init.pid, uid: other }); // another user's
        foreignMarked({ ppid: init.pid, marker: `${jobId}0` });
        foreignMarked({ ppid: init.pid, marker: jobId.toUpperCase() === jobId ? `x${jobId}` : jobId.toUpperCase() });
        foreignMarked({ ppid: init.pid, marker: "" });
        break;
      }
      case "strays-any-thread": {
        // the job's all the same (issue 22): a login shell's daemon has no thread id, a sub-agent's its own thread;
        // unless the machine rebooted since the job ran: then they are this boot's, carrying a dead job's marker
        const tag = k.bootId === bootId ? "own" : "foreign";
        tools.push(k.spawn({ ppid: init.pid, argv: ["sleep", "900"], tag, setsid: true, env: { CODEX_SUPERVISOR_JOB_ID: jobId } }));
        tools.push(k.spawn({ ppid: init.pid, argv: ["sleep", "901"], tag, setsid: true, env: { ...toolEnv, CODEX_THREAD_ID: uuid(r) } }));
        const noEnv = k.spawn({ ppid: init.pid, argv: launcherArgv(jobId), tag: "foreign", uid });
        k.fork(noEnv, nativeArgv(jobId)); // claims the job on its command line only
        break;
      }
      case "same-name": {
        const twin = k.spawn({ ppid: shell.pid, argv: launcherArgv(uuid(r)), tag: "foreign", uid });
        k.fork(k.fork(twin, nativeArgv(uuid(r))), ["bash", "-c", "sleep 600"]);
        k.spawn({ ppid: init.pid, argv: ["codex", "exec", "--json", "-"], name: "codex", tag: "foreign", uid });
        break;
      }
      case "zombie-launcher":
        if (live(L) && parent.pid > 1) {
          k.neverReaps.add(parent.pid);
          k.exit(L.pid); // still there as a zombie with the recorded pid and start time
        }
        break;
      case "zombie-member": {
        const host = tools.find(live);
        if (host) {
          k.neverReaps.add(host.pid);
          k.exit(k.fork(host).pid);
        }
        break;
      }
      case "unreadable": {
        if (live(L)) {
          k.exit(L.pid);
          // the process now at the recorded PID: its /proc entry hidden, its identity unreadable
          k.unreadable.add(FakeKernel.key(k.impostor(L.pid, { uid })));
          recordedPidTaken = true;
        }
        k.unreadable.add(FakeKernel.key(foreignMarked({ ppid: init.pid })));
        break;
      }
      case "read-fails":
        k.readFails.set(r.pick([L, N, ...tools]).pid, r.int(1, 3));
        break;
      case "reboot": {
        // After a reboot, PIDs and start ticks start over: other processes now hold the recorded numbers.
        for (const p of [...k.procs.values()]) if (p.pid > 1) k.procs.delete(p.pid);
        k.bootId = "boot-2";
        // One of them was even started with the job's marker (a user re-running the job's command line at boot):
        // nothing that runs in this boot can be the job, which died with the last one.
        const twinL = k.spawn({ pid: L.pid, startTime: L.startTime, ppid: 1, argv: launcherArgv(jobId), tag: "foreign", uid, env: { CODEX_SUPERVISOR_JOB_ID: jobId } });
        if (job.native) k.spawn({ pid: N.pid, startTime: N.startTime, ppid: twinL.pid, argv: nativeArgv(jobId), tag: "foreign", uid });
        k.spawn({ ppid: 1, argv: ["/bin/bash", "-c", "sleep 600"], tag: "foreign", uid, setsid: true, env: toolEnv });
        break;
      }
      case "other-user-recorded":
        if (live(L)) {
          k.exit(L.pid);
          k.impostor(L.pid, { uid: other, startTime: L.startTime, argv: launcherArgv(jobId) });
          recordedPidTaken = true;
        }
        break;
      case "other-user-member": {
        const host = tools.find(live);
        // a tool that ran `sudo -u other …`: the job's all the same (issue 22), ended where the kernel permits
        if (host) k.spawn({ ppid: host.pid, argv: ["sudo", "-u", "postgres", "psql"], uid: other, tag: "switched", env: toolEnv });
        break;
      }
      case "pid-1-or-group": {
        // A record (damaged, or written by a buggy version) that names init or a process group.
        const pid = r.pick([1, 0, -1, -L.pgid, -N.pgid]);
        const identity = { pid, startTime: pid === 1 ? init.startTime : L.startTime, bootId, uid };
        if (job.native && r.chance(0.5)) {
          exitTree([N]);
          job = { ...job, native: identity };
        } else {
          exitTree([L]);
          job = { ...job, launcher: identity };
        }
        break;
      }
      case "race-swap": {
        // Between a scan and a signal, one of the job's processes ends and its PID goes to a stranger.
        let ops = 0;
        const at = r.int(1, 40);
        const times = r.int(1, 3);
        let done = 0;
        k.beforeOp = () => {
          if (++ops < at || done >= times) return;
          const victim = r.pick(ownLive().length > 0 ? ownLive() : [init]);
          if (victim.pid <= 1) return;
          done++;
          k.impostor(victim.pid, { uid: r.pick([uid, other]), argv: [...victim.argv] });
        };
        break;
      }
      case "forker": {
        const host = tools.find(live) ?? (live(N) ? N : undefined);
        if (host) k.forkers.set(host.pid, r.int(3, 30));
        break;
      }
      case "term-forker":
        for (const p of tools.filter(live)) if (r.chance(0.5)) k.forkOnTerm.add(p.pid);
        break;
      case "ignores-term":
        for (const p of [L, N, ...tools].filter(live)) if (r.chance(0.5)) k.ignoresTerm.add(p.pid);
        break;
      case "pid-recycling":
        k.recycleChance = 0.7;
        for (const p of tools.filter(live)) if (r.chance(0.3)) k.forkOnTerm.add(p.pid);
        if (tools[0] && live(tools[0])) k.forkers.set(tools[0].pid, r.int(2, 10));
        break;
    }
  }
  return { kernel, job, attacks: [...attacks], uid, graceMs: r.int(0, 25), recordedPidTaken };
};
