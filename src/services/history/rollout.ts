import type { FileHandle } from "node:fs/promises";
import { HistoryError, UnsupportedHistory } from "../../core/errors.ts";
import { type HistoryEvent, parseRecord, readSessionHeader } from "../../core/history/records.ts";
import { type HistorySummary, summarizeEvents } from "../../core/history/summary.ts";
import { decodeLine, scanBackward, scanForward } from "./lines.ts";

/** Far beyond any session_meta seen (0.169's is ~22 KB with its base instructions). */
const HEADER_CAP = 8 * 1024 * 1024;
/** The prompt follows the injected instructions near the top; past this it is not looked for. */
const PROMPT_CAP = 1024 * 1024;
/** How far back a summary looks for the last turn's start and token counts. */
const SUMMARY_TAIL_CAP = 16 * 1024 * 1024;
const TAIL_CAP = 32 * 1024 * 1024;

export interface RolloutHead {
  readonly session: Extract<HistoryEvent, { kind: "session" }>;
  readonly events: ReadonlyArray<HistoryEvent>;
  /** Just past the last line read. */
  readonly endOffset: number;
  readonly bytesRead: number;
}

/**
 * Reads the session_meta line, and with `untilPrompt` the lines after it up to the
 * first real user message. A file that starts any other way is a format this version does not know.
 */
export const readHead = async (path: string, fh: FileHandle, size: number, untilPrompt: boolean): Promise<RolloutHead> => {
  const events: HistoryEvent[] = [];
  let problem: UnsupportedHistory | undefined;
  const scan = await scanForward(fh, 0, size, (line, endOffset) => {
    if (events.length === 0) {
      const header = readSessionHeader(decodeLine(line));
      if (!header.ok) {
        problem = new UnsupportedHistory({ path, cliVersion: header.cliVersion, reason: `unsupported Codex history format: ${header.reason}` });
        return true;
      }
      events.push(header.session);
      return !untilPrompt;
    }
    const event = parseRecord(decodeLine(line));
    events.push(event);
    return event.kind === "user_message" || endOffset >= PROMPT_CAP;
  }, { hardMax: HEADER_CAP });
  if (problem) throw problem;
  const session = events[0];
  if (session?.kind !== "session") {
    if (scan.bytesRead >= HEADER_CAP) {
      throw new UnsupportedHistory({ path, cliVersion: undefined, reason: "unsupported Codex history format: first line is longer than 8 MB" });
    }
    throw new HistoryError({ path, reason: size === 0 ? "rollout is empty" : "rollout has no complete first line yet" });
  }
  return { session, events, endOffset: scan.offset, bytesRead: scan.bytesRead };
};

const isRecognized = (e: HistoryEvent) => e.kind !== "unknown" && e.kind !== "malformed" && e.kind !== "session";

/**
 * Every Codex this version knows writes turn records (task_started, turn_context,
 * response_item, …) right after session_meta. A head (read `untilPrompt`) whose records
 * are all of types this version does not read is a newer format: refused, not shown as an empty history.
 */
export const requireKnownRecords = (path: string, head: RolloutHead): void => {
  const after = head.events.slice(1);
  const unknown = after.flatMap((e) => (e.kind === "unknown" ? [e.type] : []));
  if (unknown.length === 0 || after.some(isRecognized)) return;
  throw new UnsupportedHistory({
    path,
    cliVersion: head.session.cliVersion,
    reason: `unsupported Codex history format: no record after session_meta is one this version reads (found ${[...new Set(unknown)].join(", ")})`,
  });
};

export interface RolloutTail {
  /** In file order. */
  readonly events: ReadonlyArray<HistoryEvent>;
  /** Just past the last complete line: where following the file should start. */
  readonly endOffset: number;
  readonly bytesRead: number;
}

export interface TailOptions {
  /** Counts only the events this keeps (others are skipped), e.g. to leave out `context` and `unknown`. */
  readonly keep?: (event: HistoryEvent) => boolean;
  /** Stop reading backwards after this many bytes, however few events were found. */
  readonly maxBytes?: number;
}

/** The last `n` events, read backwards from the end; a last line still being written is left out. */
export const readTail = async (fh: FileHandle, size: number, n: number, options: TailOptions = {}): Promise<RolloutTail> => {
  const events: HistoryEvent[] = [];
  let endOffset = size;
  if (n <= 0) return { events, endOffset, bytesRead: 0 };
  const scan = await scanBackward(fh, size, 0, (line, end, terminated) => {
    if (!terminated) {
      endOffset = end - line.length;
      return false;
    }
    const event = parseRecord(decodeLine(line));
    if (options.keep && !options.keep(event)) return false;
    events.push(event);
    return events.length >= n;
  }, options.maxBytes ?? TAIL_CAP);
  return { events: events.reverse(), endOffset, bytesRead: scan.bytesRead };
};

/** A summary and what it cost: `wholeFile` false means counts (turns, commands, missing modules) cover only the head and the last turn. */
export interface RolloutSummary extends HistorySummary {
  readonly bytesRead: number;
  readonly wholeFile: boolean;
}

/**
 * Summarizes from the head (session, prompt) and a tail window grown backwards only
 * until the last turn's start and a token count are in it: cost does not follow file length.
 */
export const summarizeRollout = async (path: string, fh: FileHandle, size: number): Promise<RolloutSummary> => {
  const head = await readHead(path, fh, size, true);
  requireKnownRecords(path, head);
  const tail: HistoryEvent[] = [];
  let sawTurnStart = false;
  let sawTokens = false;
  const scan = await scanBackward(fh, size, head.endOffset, (line, _end, terminated) => {
    if (!terminated) return false;
    const event = parseRecord(decodeLine(line));
    tail.push(event);
    sawTurnStart ||= event.kind === "turn_started" || event.kind === "turn_context";
    sawTokens ||= event.kind === "tokens";
    return sawTurnStart && sawTokens;
  }, SUMMARY_TAIL_CAP);
  const summary = summarizeEvents([...head.events, ...tail.reverse()]);
  return { ...summary, bytesRead: head.bytesRead + scan.bytesRead, wholeFile: scan.reachedFloor };
};

export interface RolloutBatch {
  readonly events: ReadonlyArray<{ readonly event: HistoryEvent; readonly endOffset: number }>;
  readonly offset: number;
  readonly atEnd: boolean;
}

/**
 * The complete lines from `offset` on, up to about `maxBytes`. With `final` (the writer
 * is gone), a last line without its newline is read too: as an event if it parses,
 * else as a malformed line, since nothing will ever complete it.
 */
export const readBatch = async (path: string, fh: FileHandle, size: number, offset: number, final: boolean, maxBytes: number): Promise<RolloutBatch> => {
  if (size < offset) throw new HistoryError({ path, reason: `rollout shrank below offset ${offset}: rewritten or replaced` });
  const events: Array<{ event: HistoryEvent; endOffset: number }> = [];
  const scan = await scanForward(fh, offset, size, (line, endOffset) => {
    events.push({ event: parseRecord(decodeLine(line)), endOffset });
  }, { softMax: maxBytes });
  let end = scan.offset;
  if (final && scan.reachedEnd && end < size) {
    const rest = Buffer.allocUnsafe(size - end);
    const { bytesRead } = await fh.read(rest, 0, rest.length, end);
    const text = decodeLine(rest.subarray(0, bytesRead));
    const event = parseRecord(text);
    end += bytesRead;
    events.push({ event: event.kind === "malformed" ? { ...event, reason: "incomplete last line" } : event, endOffset: end });
  }
  return { events, offset: end, atEnd: scan.reachedEnd };
};
