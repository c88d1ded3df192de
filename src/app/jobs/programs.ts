import { isAbsolute, resolve } from "node:path";
import * as Effect from "effect/Effect";
import { cdArgument, type CodexProcessGroup, isWriterLock, ownRollout } from "../../core/codex.ts";
import { CodexHistory } from "../../services/CodexHistory.ts";
import { ProcessTable } from "../../services/ProcessTable.ts";
import { fn } from "../../core/fn.ts";

// What `list` tells of a Codex program it did not start: which thread it is on, and where it works.

/**
 * A program's thread from its holders' open files: the native's own rollout, else the one rollout
 * its helpers hold (the 0.169 TUI's app-server child). A helper holding several (a daemon serving
 * several TUIs) does not say which is this one's.
 */
export const threadAmong = (openFiles: ReadonlyArray<ReadonlyArray<string>>): { threadId: string; rolloutPath: string } | undefined => {
  const [own, ...helpers] = openFiles;
  const mine = own ? ownRollout(own) : undefined;
  if (mine) return mine;
  const held = new Map<string, { threadId: string; rolloutPath: string }>();
  for (const files of helpers) {
    // a helper holding a writer lock names its thread; one holding rollouts without (a daemon serving several) does not
    const proven = files.some(isWriterLock) ? ownRollout(files) : undefined;
    for (const found of proven ? [proven] : files.flatMap((file) => ownRollout([file]) ?? [])) held.set(found.threadId, found);
  }
  return held.size === 1 ? [...held.values()][0] : undefined;
};

export const holdersOf = (group: CodexProcessGroup): ReadonlyArray<number> =>
  group.native ? [group.native.pid, ...group.helpers.map((h) => h.pid)] : [];

/** A Codex program's thread: the rollout its native binary (or its helper) holds open, or the id it resumes. */
export const threadOfGroup = fn("threadOfGroup")(function* (group: CodexProcessGroup) {
  const table = yield* ProcessTable;
  const holders = holdersOf(group);
  if (holders.length > 0) {
    const files: Array<ReadonlyArray<string>> = [];
    for (const pid of holders) files.push(yield* table.openFiles(pid));
    const open = threadAmong(files);
    if (open) return open;
  }
  const argv = group.root.argv;
  const at = argv.indexOf("resume");
  const resumed = argv[at + 1];
  return { threadId: at >= 0 && resumed && /^[0-9a-f-]{36}$/i.test(resumed) ? resumed : undefined, rolloutPath: undefined };
});

/** Where a program works: its thread's session cwd when known, else its `--cd`/`-C` (against its own cwd), else its cwd. */
export const cwdOfGroup = fn("cwdOfGroup")(function* (group: CodexProcessGroup, rolloutPath: string | undefined) {
  if (rolloutPath) {
    const session = yield* (yield* CodexHistory).session(rolloutPath).pipe(Effect.orElseSucceed(() => undefined));
    if (session?.cwd) return session.cwd;
  }
  const own = yield* (yield* ProcessTable).cwd((group.native ?? group.root).pid);
  const cd = cdArgument(group.root);
  if (cd === undefined) return own;
  return isAbsolute(cd) ? resolve(cd) : own === undefined ? undefined : resolve(own, cd);
});
