import type { JobEvent } from "../../services/JobStore.ts";
import { shortId } from "./fit.ts";
import { oneLine } from "./terminal.ts";

/**
 * One event as one line of text: `events --follow` and `watch`'s log. Whatever came from outside
 * in it (a message quoting a cwd, a tick's stack) is escaped to one line, so one event is one line
 * for journald or a log file, and a newline in a name cannot fake a second event.
 */
export const eventLine = (e: Pick<JobEvent, "at" | "kind" | "jobId" | "pid" | "policy" | "action" | "message">, time: (ms: number) => string = isoTime): string => {
  const about = e.jobId ? ` job ${shortId(e.jobId)}` : e.pid ? ` pid ${e.pid}` : "";
  const policy = e.policy ? ` policy ${oneLine(e.policy)}` : "";
  const action = e.action ? ` action ${oneLine(e.action)}` : "";
  return `${time(e.at)} ${oneLine(e.kind)}${about}${policy}${action}: ${oneLine(e.message)}`;
};

export const isoTime = (ms: number): string => new Date(ms).toISOString();
