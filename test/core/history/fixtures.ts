import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type HistoryEvent, parseRecord } from "../../../src/core/history/records.ts";

const DIR = join(import.meta.dirname, "../../fixtures/rollouts");

/** Rollouts written by (or shaped like) real Codex versions. */
export const ROLLOUTS = {
  v169: join(DIR, "v0.169-exec-one-command.jsonl"),
  v150: join(DIR, "v0.150-exec-resumed-aborted.jsonl"),
  v128: join(DIR, "v0.128-exec-missing-module.jsonl"),
  future: join(DIR, "future-unknown-format.jsonl"),
  /** session_meta as Codex writes it, then only record types no known Codex writes. */
  futureRecords: join(DIR, "future-unknown-records.jsonl"),
} as const;

export const rolloutLines = (path: string): string[] => readFileSync(path, "utf8").split("\n").filter((l) => l !== "");

export const rolloutEvents = (path: string): HistoryEvent[] => rolloutLines(path).map(parseRecord);

/** A rollout line as Codex 0.169 writes it. */
export const line = (type: string, payload: Record<string, unknown>, at = "2026-11-21T05:00:00.000Z"): string =>
  JSON.stringify({ timestamp: at, ordinal: 0, type, payload });

export const eventMsg = (payload: Record<string, unknown>, at?: string) => line("event_msg", payload, at);
