import { closeSync, fchmodSync, openSync, renameSync, rmSync, writeFileSync } from "node:fs";

/**
 * Replaces `path` whole: the text goes to a file of this process's own beside it, created
 * exclusively (whatever held that name goes first, so a link planted there is never followed),
 * given `mode` whatever the umask, then renamed over `path`. A reader sees the old file or the
 * new one, never half of one. Throws what the file system said; nothing is left beside `path`.
 */
export const writeWhole = (path: string, text: string, mode: number): void => {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    rmSync(temporary, { force: true });
    const fd = openSync(temporary, "wx", mode);
    try {
      writeFileSync(fd, text);
      fchmodSync(fd, mode);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (cause) {
    rmSync(temporary, { force: true });
    throw cause;
  }
};
