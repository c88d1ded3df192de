import { writeSync } from "node:fs";

/**
 * The terminal as `top` uses it, and as it gives it back: the alternate screen (what was on the
 * terminal is there again after), the cursor hidden, and the keyboard in raw mode (each key at
 * once, Ctrl-C a key). `leave` puts all of it back; it runs on every way out — a quit, Ctrl-C,
 * SIGTERM, and an exit after a crash (the "exit" event) — and does nothing the second time.
 */
export const enterTerminal = (onKeys: (text: string) => void, onResize: () => void) => {
  const stdin = process.stdin;
  let active = true;
  const write = (text: string) => { try { writeSync(1, text); } catch { /* the terminal is gone */ } };
  const data = (chunk: Buffer | string) => onKeys(typeof chunk === "string" ? chunk : chunk.toString("utf8"));
  const leave = () => {
    if (!active) return;
    active = false;
    stdin.off("data", data);
    process.stdout.off("resize", onResize);
    process.off("exit", leave);
    process.off("uncaughtException", leave);
    process.off("unhandledRejection", leave);
    try { stdin.setRawMode(false); } catch { /* not a terminal any more */ }
    stdin.pause();
    write("\x1b[0m\x1b[?25h\x1b[?1049l");
  };
  process.on("exit", leave);
  // before the launcher's handler prints the crash: on the screen the user gets back, not the alternate one
  process.prependListener("uncaughtException", leave);
  process.prependListener("unhandledRejection", leave);
  write("\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J");
  stdin.setRawMode(true);
  stdin.setEncoding("utf8");
  stdin.on("data", data);
  stdin.resume();
  process.stdout.on("resize", onResize);
  return {
    /** Draws a screen: each row written over the last frame's, the rest of the screen cleared; one write. */
    draw: (rows: ReadonlyArray<string>) => { if (active) write(`\x1b[H${rows.map((r) => `${r}\x1b[K`).join("\r\n")}\x1b[J`); },
    size: () => ({ columns: process.stdout.columns || 80, rows: process.stdout.rows || 24 }),
    leave,
  };
};

export type Terminal = ReturnType<typeof enterTerminal>;
