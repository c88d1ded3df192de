/**
 * Process-tree shapes that try to outrun a kill, as bash scripts. Each script appends
 * the PIDs it starts to $OUT (one per line) so the suite can check every one of them
 * afterwards; `expect` is how many lines mean the tree is fully up. The root is started
 * in a session of its own, as the supervisor's Launcher starts Codex, and everything in
 * the tree inherits the job's marker (CODEX_SUPERVISOR_JOB_ID), as Codex's tool
 * processes do — so a process cut off from the tree is still provably the job's.
 */
export interface TreeShape {
  readonly name: string;
  readonly script: string;
  readonly expect: number;
  /** Grace for the kill; short unless the shape needs its TERM handlers to run. */
  readonly grace?: string;
}

const chain = (depth: number) =>
  `c() { echo $BASHPID >> $OUT; if [ $1 -gt 0 ]; then c $(($1-1)) & wait; else exec sleep 300; fi; }; c ${depth}`;

export const TREE_SHAPES: ReadonlyArray<TreeShape> = [
  { name: "a single process", script: `echo $$ >> $OUT; exec sleep 300`, expect: 1 },
  { name: "twenty children", script: `echo $$ >> $OUT; for i in $(seq 20); do sleep 300 & echo $! >> $OUT; done; wait`, expect: 21 },
  { name: "a chain 12 deep", script: chain(12), expect: 13 },
  { name: "a chain 60 deep", script: chain(60), expect: 61 },
  { name: "a binary tree, 31 processes", script: `t() { echo $BASHPID >> $OUT; if [ $1 -gt 0 ]; then t $(($1-1)) & t $(($1-1)) & wait; else exec sleep 300; fi; }; t 4`, expect: 31 },
  { name: "a double fork (the grandchild reparented to init)", script: `echo $$ >> $OUT; ( sleep 300 & echo $! >> $OUT ); sleep 300 & echo $! >> $OUT; wait`, expect: 3 },
  { name: "a grandchild in a session of its own (setsid)", script: `echo $$ >> $OUT; bash -c 'setsid sleep 300 & echo $! >> $OUT; wait' & echo $! >> $OUT; wait`, expect: 3 },
  {
    name: "a daemon: setsid + double fork, its parents gone",
    script: `echo $$ >> $OUT; ( setsid bash -c 'echo $$ >> $OUT; sleep 300 & echo $! >> $OUT; wait' & ); sleep 300 & echo $! >> $OUT; wait`,
    expect: 4,
  },
  { name: "a leaf that ignores SIGTERM", script: `echo $$ >> $OUT; bash -c 'trap "" TERM; echo $$ >> $OUT; while :; do sleep 1; done' & wait`, expect: 2 },
  { name: "a whole tree that ignores SIGTERM and SIGHUP", script: `trap "" TERM HUP; echo $$ >> $OUT; for i in 1 2 3; do sleep 300 & echo $! >> $OUT; done; wait`, expect: 4 },
  { name: "a process that keeps forking while the kill runs", script: `echo $$ >> $OUT; while :; do sleep 300 & echo $! >> $OUT; sleep 0.01; done`, expect: 6 },
  {
    name: "four workers forking into new sessions",
    script: `echo $$ >> $OUT; for w in 1 2 3 4; do ( while :; do setsid sleep 300 & echo $! >> $OUT; sleep 0.03; done ) & echo $! >> $OUT; done; wait`,
    expect: 10,
  },
  {
    name: "a middle process that already exited (its children reparented to init)",
    script: `echo $$ >> $OUT; bash -c 'echo $$ >> $OUT; bash -c "echo \\$\\$ >> $OUT; sleep 300 & echo \\$! >> $OUT; wait" & sleep 0.2; exit 0' ; wait`,
    expect: 4,
  },
  { name: "members stopped (SIGSTOP) before the kill", script: `echo $$ >> $OUT; sleep 300 & echo $! >> $OUT; kill -STOP $!; sleep 300 & echo $! >> $OUT; kill -STOP $!; wait`, expect: 3 },
  {
    name: "a TERM handler that forks a new child on its way out",
    script: `trap 'setsid sleep 300 & echo $! >> $OUT; exit 0' TERM; echo $$ >> $OUT; while :; do sleep 0.05; done`,
    expect: 1, grace: "1s",
  },
  { name: "a slow shutdown within the grace", script: `trap 'sleep 0.3; exit 0' TERM; echo $$ >> $OUT; while :; do sleep 0.05; done`, expect: 1, grace: "2s" },
  { name: "job control: each child its own process group", script: `set -m; echo $$ >> $OUT; sleep 300 & echo $! >> $OUT; sleep 300 & echo $! >> $OUT; wait`, expect: 3 },
  { name: "a zombie among the living", script: `echo $$ >> $OUT; sleep 0.05 & echo $! >> $OUT; sleep 300 & echo $! >> $OUT; exec sleep 300`, expect: 3 },
  { name: "a process that exec'd into another name", script: `echo $$ >> $OUT; exec -a renamed-worker bash -c 'sleep 300 & echo $! >> $OUT; exec -a still-renamed sleep 300'`, expect: 2 },
  { name: "nohup + disown, the root gone at once", script: `echo $$ >> $OUT; nohup sleep 300 >/dev/null 2>&1 & echo $! >> $OUT; disown; sleep 0.3; exit 0`, expect: 2 },
  {
    name: "a stopped process group left orphaned (the kernel's SIGHUP goes to it, not to us)",
    script: `echo $$ >> $OUT; set -m; ( trap "" HUP TERM; echo $BASHPID >> $OUT; sleep 300 & echo $! >> $OUT; kill -STOP $BASHPID; wait ) & wait`,
    expect: 3,
  },
  {
    name: "a process whose name breaks naive /proc/PID/stat parsing",
    script: `d=$OUT.bin; mkdir -p $d; cp /bin/sleep "$d/a) S 1 1 1 (b"; echo $$ >> $OUT; "$d/a) S 1 1 1 (b" 300 & echo $! >> $OUT; wait`,
    expect: 2,
  },
];
