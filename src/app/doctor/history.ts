import { readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import * as Effect from "effect/Effect";
import * as Option from "effect/Option";
import * as Stream from "effect/Stream";
import { CodexHistory } from "../../services/CodexHistory.ts";
import { stateDbPath } from "../../services/history/codexHome.ts";
import { errorText } from "./check.ts";
import type { CodexHomeFacts, RolloutFacts, StateDbFacts } from "./codex.ts";
import { readSqlite } from "./sqlite.ts";

const list = (dir: string): string[] => {
  try { return readdirSync(dir); } catch { return []; }
};

const descending = (names: ReadonlyArray<string>, pattern: RegExp) => names.filter((n) => pattern.test(n)).sort().reverse();

/**
 * The newest rollout under `sessions/YYYY/MM/DD/`: the folders and the local time in each
 * file's name sort as text, so no file is opened to find it.
 */
export const newestRollout = (codexHome: string, readDir: (dir: string) => ReadonlyArray<string> = list): string | undefined => {
  const sessions = join(codexHome, "sessions");
  for (const year of descending(readDir(sessions), /^\d{4}$/)) {
    for (const month of descending(readDir(join(sessions, year)), /^\d{2}$/)) {
      for (const day of descending(readDir(join(sessions, year, month)), /^\d{2}$/)) {
        const dir = join(sessions, year, month, day);
        const [newest] = descending(readDir(dir), /^rollout-.*\.jsonl$/);
        if (newest) return join(dir, newest);
      }
    }
  }
  return undefined;
};

export const codexHomeFacts = (home: string, fromConfig: string | undefined): CodexHomeFacts => {
  const stat = statSync(home, { throwIfNoEntry: false });
  return { home, exists: stat !== undefined, isDirectory: stat?.isDirectory() ?? false, fromConfig };
};

export const stateDbFacts = (codexHome: string): StateDbFacts => {
  const path = stateDbPath(codexHome);
  if (!path) return { kind: "none" };
  const number = Number(/^state_(\d+)\.sqlite$/.exec(basename(path))?.[1]);
  try {
    const columns = readSqlite(path, (db) =>
      db.query<{ name: string }, []>("PRAGMA table_info(threads)").all().map((c) => c.name));
    return { kind: "read", path, number, columns };
  } catch (cause) {
    return { kind: "unreadable", path, number, reason: errorText(cause) };
  }
};

/** Reads the newest rollout's header the way `status` and `logs` do. */
export const rolloutFacts = (codexHome: string): Effect.Effect<RolloutFacts, never, CodexHistory> =>
  Effect.gen(function* () {
    const path = newestRollout(codexHome);
    if (!path) return { kind: "none" } as const;
    const history = yield* CodexHistory;
    // readAll checks the header first, as status and logs do; its first event is the session itself.
    return yield* Stream.runHead(history.readAll(path)).pipe(
      Effect.map((first): RolloutFacts => ({
        kind: "read", path, cliVersion: Option.isSome(first) && first.value.kind === "session" ? first.value.cliVersion : undefined,
      })),
      Effect.catchTags({
        UnsupportedHistory: (e) => Effect.succeed<RolloutFacts>({ kind: "unsupported", path, cliVersion: e.cliVersion, reason: e.reason }),
        HistoryError: (e) => Effect.succeed<RolloutFacts>({ kind: "unreadable", path, reason: e.reason }),
      }),
    );
  });
