import type { FileHandle } from "node:fs/promises";

const NEWLINE = 0x0a;
const CHUNK = 64 * 1024;
/** Chunks grow while no newline turns up, so one 10 MB line costs a few reads, not hundreds. */
const MAX_CHUNK = 8 * 1024 * 1024;

export const decodeLine = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");

const readAt = async (fh: FileHandle, position: number, length: number): Promise<Buffer> => {
  const buf = Buffer.allocUnsafe(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
};

/** Return true to stop the scan after this line. */
export type OnLine = (line: Buffer, endOffset: number) => boolean | void;

export interface ScanResult {
  /** Just past the last line handed over (forward), or the first (backward). */
  readonly offset: number;
  readonly bytesRead: number;
}

export interface ForwardLimits {
  /** Stop once this much is read and a line has been handed over: a long line is still read whole. */
  readonly softMax?: number;
  /** Never read more than this. */
  readonly hardMax?: number;
}

/**
 * Hands over complete (newline-terminated) lines in [from, to), in order. A partial
 * last line is left unread: `offset` stops before it, so a later scan resumes there.
 */
export const scanForward = async (
  fh: FileHandle, from: number, to: number, onLine: OnLine, { softMax = Infinity, hardMax = Infinity }: ForwardLimits = {},
): Promise<ScanResult & { readonly reachedEnd: boolean }> => {
  let pos = from;
  let offset = from;
  let bytesRead = 0;
  let partial: Buffer[] = [];
  let chunk = CHUNK;
  while (pos < to && bytesRead < hardMax && (bytesRead < softMax || offset === from)) {
    const buf = await readAt(fh, pos, Math.min(chunk, to - pos, hardMax - bytesRead));
    if (buf.length === 0) break;
    bytesRead += buf.length;
    let start = 0;
    for (let nl = buf.indexOf(NEWLINE); nl >= 0; nl = buf.indexOf(NEWLINE, start)) {
      const piece = buf.subarray(start, nl);
      const line = partial.length === 0 ? piece : Buffer.concat([...partial, piece]);
      partial = [];
      start = nl + 1;
      offset = pos + start;
      if (onLine(line, offset)) return { offset, bytesRead, reachedEnd: false };
    }
    if (start < buf.length) partial.push(buf.subarray(start));
    chunk = start === 0 ? Math.min(chunk * 2, MAX_CHUNK) : CHUNK;
    pos += buf.length;
  }
  return { offset, bytesRead, reachedEnd: pos >= to };
};

/**
 * Hands over lines in [floor, size) from the last to the first, reading only as far
 * back as the caller wants: the cost follows what is read, never the file's length.
 * A last line without its newline comes with `terminated` false (Codex may be mid-write).
 */
export const scanBackward = async (
  fh: FileHandle,
  size: number,
  floor: number,
  onLine: (line: Buffer, endOffset: number, terminated: boolean) => boolean | void,
  maxBytes = Infinity,
): Promise<ScanResult & { readonly reachedFloor: boolean }> => {
  let pos = size;
  let buf: Buffer = Buffer.alloc(0);
  let bytesRead = 0;
  let chunk = CHUNK;
  for (;;) {
    const terminated = buf.length > 0 && buf[buf.length - 1] === NEWLINE;
    const searchFrom = terminated ? buf.length - 2 : buf.length - 1;
    const nl = searchFrom < 0 ? -1 : buf.lastIndexOf(NEWLINE, searchFrom);
    if (nl >= 0 || (pos === floor && buf.length > 0)) {
      const line = buf.subarray(nl + 1, terminated ? buf.length - 1 : buf.length);
      const end = pos + buf.length;
      buf = buf.subarray(0, nl + 1);
      // Only the file's last line can be unterminated: every earlier one ends where a newline was found.
      if (onLine(line, end, terminated)) return { offset: pos + nl + 1, bytesRead, reachedFloor: false };
      continue;
    }
    if (pos <= floor) return { offset: floor, bytesRead, reachedFloor: true };
    if (bytesRead >= maxBytes) return { offset: pos + buf.length, bytesRead, reachedFloor: false };
    const start = Math.max(floor, pos - chunk);
    const read = await readAt(fh, start, pos - start);
    if (read.length < pos - start) throw new Error("the file shrank while being read");
    bytesRead += read.length;
    buf = buf.length === 0 ? read : Buffer.concat([read, buf]);
    pos = start;
    chunk = read.includes(NEWLINE) ? CHUNK : Math.min(chunk * 2, MAX_CHUNK);
  }
};
