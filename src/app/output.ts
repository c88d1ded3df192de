import { writeSync as fsWriteSync } from "node:fs";
import { terminalSafe } from "./text/terminal.ts";

/**
 * What the CLI prints, written at once with write(2).
 *
 * Bun builds `process.stdout` (and `process.stderr`) on first use, and that costs 13-15 ms
 * (`bun bench/tools/first-write.ts`): more than the rest of a `list` takes. A plain write
 * costs well under a millisecond. Whoever started us may have left the descriptor
 * non-blocking, though, and then a write to a full pipe is refused (EAGAIN). From there on,
 * the rest goes through the stream, which waits for the reader. It takes every later write
 * as well, so nothing is printed out of order. A reader that went away (EPIPE) ends the
 * printing quietly, as it does for `ls | head`.
 */
export interface Writer {
  readonly write: (text: string) => void;
}

export interface WriterDeps {
  /** write(2) of a string, or of bytes from an offset; returns the bytes written. */
  readonly writeSync: (fd: number, data: string | Uint8Array, offset?: number) => number;
  /** The stream to fall back on, built only if it is needed. */
  readonly stream: () => { write: (bytes: Uint8Array) => unknown };
}

export const makeWriter = (fd: number, deps: WriterDeps): Writer => {
  let state: "direct" | "stream" | "closed" = "direct";
  return {
    write: (text) => {
      if (state === "closed" || text.length === 0) return;
      let bytes: Uint8Array | undefined;
      let offset = 0;
      if (state === "direct") {
        try {
          // The string itself goes to write(2): encoding it into a Buffer first cost `list --all --json`
          // of 100,000 jobs ~60 ms (57 MB). Only a partial write needs the bytes, to go on from.
          offset = deps.writeSync(fd, text);
          if (offset === Buffer.byteLength(text)) return;
          bytes = Buffer.from(text);
          while (offset < bytes.length) offset += deps.writeSync(fd, bytes, offset);
          return;
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === "EPIPE") {
            state = "closed";
            return;
          }
          if (code !== "EAGAIN") throw e;
          state = "stream";
        }
      }
      deps.stream().write((bytes ?? Buffer.from(text)).subarray(offset));
    },
  };
};

const writeSync = (fd: number, data: string | Uint8Array, offset?: number) =>
  typeof data === "string" ? fsWriteSync(fd, data) : fsWriteSync(fd, data, offset);

/** Text for a person: whatever came from outside in it cannot act on the terminal (see terminal.ts). */
export const terminalWriter = (writer: Writer): Writer => ({ write: (text) => writer.write(terminalSafe(text)) });

const rawStdout = makeWriter(1, { writeSync, stream: () => process.stdout });

/** Every text view goes here; `--json` goes to `jsonStdout`. */
export const stdout: Writer = terminalWriter(rawStdout);
export const stderr: Writer = terminalWriter(makeWriter(2, { writeSync, stream: () => process.stderr }));
/** JSON as JSON.stringify made it: its strings exact, every C0 character already escaped (`\u001b`). */
export const jsonStdout: Writer = rawStdout;
/** An error under `--json`, as one JSON object (failure.ts). */
export const jsonStderr: Writer = makeWriter(2, { writeSync, stream: () => process.stderr });
