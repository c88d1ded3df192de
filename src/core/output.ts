/** Reading Codex's own output (its stderr file) for people and scripts. */

/** How many lines of Codex's stderr `status`, `--json` and the MCP tools carry. */
export const STDERR_TAIL_LINES = 10;

const MAX_LINE = 400;

// CSI and OSC sequences, then any other control character but tab: a job's output printed on the
// user's terminal must not move the cursor, retitle the window or ring the bell.
const ESCAPES = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[\u0000-\u0008\u000b-\u001f\u007f\u009b]/g;

/** Lines as a terminal may show them: escapes removed, each cut to a sane length. */
export const cleanLines = (text: string): string[] =>
  text.replace(/\r\n/g, "\n").split("\n").map((line) => {
    const clean = line.replace(ESCAPES, "");
    return clean.length > MAX_LINE ? `${clean.slice(0, MAX_LINE - 1)}…` : clean;
  });

// Codex's release builds print an unsymbolized backtrace after an error: a dozen lines of nothing
const NOISE = /^\s*(\d+: <unknown>|stack backtrace:)\s*$/i;

/** The last `count` lines that say something. */
export const tailLines = (text: string, count = STDERR_TAIL_LINES): string[] =>
  cleanLines(text).filter((l) => l.trim() !== "" && !NOISE.test(l)).slice(-count);

const ERROR_LINE = /^\s*(error|fatal)\b/i;

/**
 * What Codex said when it gave up: from its last error line on (a usage message's tip and
 * usage follow it), without a Rust backtrace; else the last lines it printed.
 */
export const failureMessage = (lines: ReadonlyArray<string>, max = 12): string[] => {
  let at = -1;
  lines.forEach((line, i) => { if (ERROR_LINE.test(line)) at = i; });
  const from = at >= 0 ? lines.slice(at) : lines.slice(-max);
  const backtrace = from.findIndex((l) => /^\s*stack backtrace:/i.test(l));
  return (backtrace > 0 ? from.slice(0, backtrace) : from).slice(0, max);
};
