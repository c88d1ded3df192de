import { ProcessTable, type Watermark } from "../../services/ProcessTable.ts";
import type { ProcessInfo } from "../../core/process.ts";
import { childrenIndex } from "../../core/codex.ts";
import { fn } from "../../core/fn.ts";

/** One reading of the process table, shared by everything judged in the same instant. */
export interface Observation {
  /** When the snapshot was begun and when it was done, epoch ms. */
  readonly begunAt: number;
  readonly at: number;
  readonly table: ReadonlyArray<ProcessInfo>;
  readonly byPid: ReadonlyMap<number, ProcessInfo>;
  readonly children: ReadonlyMap<number, ReadonlyArray<ProcessInfo>>;
  readonly bootId: string;
  readonly uid: number;
  /** Where process creation stood just before the snapshot: what started since is what it missed. */
  readonly watermark: Watermark | undefined;
}

export const observe = fn("observe")(function* () {
  const table = yield* ProcessTable;
  const begunAt = Date.now();
  const watermark = yield* table.watermark();
  const snapshot = yield* table.snapshot();
  return {
    begunAt,
    watermark,
    at: Date.now(),
    table: snapshot,
    byPid: new Map(snapshot.map((p) => [p.pid, p])),
    children: childrenIndex(snapshot),
    bootId: yield* table.bootId(),
    uid: table.currentUid,
  } satisfies Observation;
});
