import * as Context from "effect/Context";
import * as Duration from "effect/Duration";
import * as Effect from "effect/Effect";
import * as Layer from "effect/Layer";
import * as Option from "effect/Option";
import * as Stream from "effect/Stream";
import { type FileHandle, open } from "node:fs/promises";
import { basename } from "node:path";
import { HistoryError, UnsupportedHistory } from "../core/errors.ts";
import type { HistoryEvent } from "../core/history/records.ts";

type SessionEvent = Extract<HistoryEvent, { kind: "session" }>;
import {
  cwdMatcher, globRollout, rolloutFilesNear, rolloutFromStateDb, type ThreadCandidate, threadsFromStateDb, type ThreadWindow,
} from "./history/codexHome.ts";
import {
  readBatch, readHead, readTail, requireKnownRecords, type RolloutSummary, type RolloutTail, summarizeRollout, type TailOptions,
} from "./history/rollout.ts";
import { fn } from "../core/fn.ts";

export type { RolloutSummary, RolloutTail, TailOptions, ThreadCandidate, ThreadWindow };

/** One event of a followed rollout, with the offset just past its line (where to resume). */
export interface FollowedEvent {
  readonly event: HistoryEvent;
  readonly endOffset: number;
}

export interface FollowOptions {
  /** Asked whenever no new line has arrived: true ends the stream after a last read. */
  readonly isDone: Effect.Effect<boolean>;
  /** How often the file's size is checked; 250 ms unless told. */
  readonly pollInterval?: Duration.Input;
}

const BATCH_BYTES = 4 * 1024 * 1024;
const HEAD_READS = 8;

const historyError = (path: string) => (cause: unknown): HistoryError | UnsupportedHistory => {
  if (cause instanceof HistoryError || cause instanceof UnsupportedHistory) return cause;
  const code = (cause as { code?: unknown } | null)?.code;
  const reason = code === "ENOENT" ? "rollout file not found"
    : code === "EACCES" || code === "EPERM" ? "rollout file not readable"
    : `cannot read rollout file: ${cause instanceof Error ? cause.message : String(cause)}`;
  return new HistoryError({ path, reason, cause });
};

/** Opens the file for one read and always closes it: a rollout may vanish or be replaced between reads. */
const withRollout = <A>(path: string, use: (fh: FileHandle, size: number) => Promise<A>) =>
  Effect.tryPromise({
    try: async () => {
      const fh = await open(path, "r");
      try {
        return await use(fh, (await fh.stat()).size);
      } finally {
        await fh.close();
      }
    },
    catch: historyError(path),
  });

/** Fails with HistoryError only: for reads that do not check the header. */
const withRolloutBytes = <A>(path: string, use: (fh: FileHandle, size: number) => Promise<A>) =>
  withRollout(path, use).pipe(Effect.mapError((e) =>
    e._tag === "HistoryError" ? e : new HistoryError({ path, reason: e.reason, cause: e })));

/**
 * Codex's own history, read-only: rollout files under CODEX_HOME/sessions and the
 * state database that indexes them. Reads cost what they need, never the file's length.
 */
export class CodexHistory extends Context.Service<CodexHistory, {
  /** The rollout file of a thread, via the state db and else by its file name; undefined when neither knows it. */
  readonly locateRollout: (codexHome: string, threadId: string) => Effect.Effect<string | undefined, HistoryError>;
  /** Threads started in a cwd within a window, oldest first: to map a job never seen running to its thread. */
  readonly findThreadCandidates: (codexHome: string, window: ThreadWindow) => Effect.Effect<ReadonlyArray<ThreadCandidate>, HistoryError>;
  readonly tail: (path: string, n: number, options?: TailOptions) => Effect.Effect<RolloutTail, HistoryError | UnsupportedHistory>;
  readonly summarize: (path: string) => Effect.Effect<RolloutSummary, HistoryError | UnsupportedHistory>;
  /** The thread's session_meta, its first line only: id, cwd, version (what never changes once written). */
  readonly session: (path: string) => Effect.Effect<SessionEvent, HistoryError | UnsupportedHistory>;
  /** New events as lines are appended from `fromOffset` (a line boundary, e.g. a tail's endOffset) until `isDone`. */
  readonly follow: (path: string, fromOffset: number, options: FollowOptions) => Stream.Stream<FollowedEvent, HistoryError>;
  /** Every event, read line by line. */
  readonly readAll: (path: string) => Stream.Stream<HistoryEvent, HistoryError | UnsupportedHistory>;
}>()("codex-supervisor/CodexHistory") {
  static readonly layer = Layer.succeed(CodexHistory, CodexHistory.of({
    locateRollout: fn("CodexHistory.locateRollout")(function* (codexHome: string, threadId: string) {
      const fromDb = rolloutFromStateDb(codexHome, threadId);
      if (fromDb) return fromDb;
      return yield* Effect.tryPromise({
        try: () => globRollout(codexHome, threadId),
        catch: (cause) => new HistoryError({ path: codexHome, reason: "cannot list Codex session folders", cause }),
      });
    }),

    findThreadCandidates: fn("CodexHistory.findThreadCandidates")(function* (codexHome: string, window: ThreadWindow) {
      const known = threadsFromStateDb(codexHome, window);
      const knownIds = new Set(known.map((t) => t.id));
      const sameCwd = cwdMatcher(window.cwd);
      const unindexed = rolloutFilesNear(codexHome, window).filter((path) => ![...knownIds].some((id) => basename(path).endsWith(`-${id}.jsonl`)));
      const fromFiles = yield* Effect.forEach(unindexed, (path) =>
        withRollout(path, (fh, size) => readHead(path, fh, size, true)).pipe(
          Effect.map((head): ThreadCandidate[] => {
            const createdAt = Date.parse(head.session.at ?? "");
            if (!sameCwd(head.session.cwd) || !(createdAt >= window.startedAfter && createdAt <= window.startedBefore)) return [];
            const prompt = head.events.find((e) => e.kind === "user_message");
            return [{ id: head.session.threadId, rolloutPath: path, createdAt, cwd: head.session.cwd, title: prompt?.text }];
          }),
          // A file being created, or in a format this version does not read, is not a candidate.
          Effect.orElseSucceed(() => []),
        ), { concurrency: HEAD_READS });
      const byId = new Map<string, ThreadCandidate>();
      for (const t of [...known, ...fromFiles.flat()]) if (!byId.has(t.id)) byId.set(t.id, t);
      return [...byId.values()].sort((a, b) => a.createdAt - b.createdAt);
    }),

    tail: fn("CodexHistory.tail")(function* (path: string, n: number, options?: TailOptions) {
      return yield* withRollout(path, async (fh, size) => {
        requireKnownRecords(path, await readHead(path, fh, size, true));
        return readTail(fh, size, n, options);
      });
    }),

    summarize: fn("CodexHistory.summarize")(function* (path: string) {
      return yield* withRollout(path, (fh, size) => summarizeRollout(path, fh, size));
    }),

    session: fn("CodexHistory.session")(function* (path: string) {
      return yield* withRollout(path, async (fh, size) => (await readHead(path, fh, size, false)).session);
    }),

    follow: (path, fromOffset, options) => {
      const interval = options.pollInterval ?? Duration.millis(250);
      const read = (offset: number, final: boolean) =>
        withRolloutBytes(path, (fh, size) => readBatch(path, fh, size, offset, final, BATCH_BYTES));
      return Stream.paginate(fromOffset, (offset) => Effect.gen(function* () {
        const batch = yield* read(offset, false);
        if (batch.events.length > 0) return [batch.events, Option.some(batch.offset)] as const;
        if (yield* options.isDone) {
          // Lines written between the last read and the end would otherwise be lost.
          const last = yield* read(offset, true);
          return [last.events, Option.none<number>()] as const;
        }
        yield* Effect.sleep(interval);
        return [[], Option.some(offset)] as const;
      }));
    },

    readAll: (path) =>
      Stream.unwrap(withRollout(path, async (fh, size) => requireKnownRecords(path, await readHead(path, fh, size, true))).pipe(Effect.map(() =>
        Stream.paginate(0, (offset) =>
          withRollout(path, (fh, size) => readBatch(path, fh, size, offset, true, BATCH_BYTES)).pipe(Effect.map((batch) =>
            [batch.events.map((e) => e.event), batch.atEnd ? Option.none<number>() : Option.some(batch.offset)] as const)))))),
  }));
}
