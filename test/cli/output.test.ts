/**
 * The CLI writes its output with write(2) (src/app/output.ts). A reader that left the pipe
 * non-blocking gets EAGAIN on a full pipe: the rest must still arrive, whole and in order.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { endedJob, seedJobs } from "../../bench/lib/db.ts";
import { makeWriter } from "../../src/app/output.ts";

const errno = (code: string) => Object.assign(new Error(code), { code });

describe("makeWriter", () => {
  const recorder = (script: ReadonlyArray<number | string>) => {
    const direct: string[] = [];
    const directBytes: Uint8Array[] = [];
    const streamed: string[] = [];
    let call = 0;
    const writer = makeWriter(1, {
      // each call takes at most the scripted number of bytes, or fails with the scripted code
      writeSync: (_fd, data, offset = 0) => {
        const step = script[call++] ?? Number.MAX_SAFE_INTEGER;
        if (typeof step === "string") throw errno(step);
        const bytes = typeof data === "string" ? Buffer.from(data) : data;
        const n = Math.min(step, bytes.length - offset);
        directBytes.push(bytes.slice(offset, offset + n));
        direct.push(Buffer.from(bytes.subarray(offset, offset + n)).toString());
        return n;
      },
      stream: () => ({ write: (bytes) => streamed.push(Buffer.from(bytes).toString()) }),
    });
    return { writer, direct, directBytes, streamed, calls: () => call };
  };

  it("finishes a partial write", () => {
    const r = recorder([3, 2]);
    r.writer.write("hello, world\n");
    expect(r.direct.join("")).toBe("hello, world\n");
    expect(r.streamed).toEqual([]);
  });

  it("goes on from the right byte after a partial write of text that is not ASCII", () => {
    // "é" and "ü" are two bytes each, "–" three: the writes stop inside "ü" and inside "–",
    // or after as many bytes as the text has characters
    const text = "éü – ok\n";
    for (const script of [[3, 3], [text.length]]) {
      const r = recorder(script);
      r.writer.write(text);
      expect(Buffer.concat(r.directBytes).equals(Buffer.from(text))).toBe(true);
      expect(r.calls()).toBe(script.length + 1);
    }
  });

  it("hands what a full pipe refused, and every later write, to the stream", () => {
    const r = recorder([4, "EAGAIN"]);
    r.writer.write("first line\n");
    r.writer.write("second\n");
    expect(r.direct).toEqual(["firs"]);
    expect(r.streamed).toEqual(["t line\n", "second\n"]);
    expect(r.calls()).toBe(2); // no direct write once the stream has data of ours: it would overtake it
  });

  it("stops quietly when the reader is gone, and throws anything else", () => {
    const gone = recorder(["EPIPE"]);
    gone.writer.write("a\n");
    gone.writer.write("b\n");
    expect(gone.calls()).toBe(1);
    expect(gone.streamed).toEqual([]);
    expect(() => recorder(["EBADF"]).writer.write("a\n")).toThrow("EBADF");
  });
});

describe("the CLI's output through a non-blocking pipe", () => {
  const scratch = mkdtempSync(join(tmpdir(), "cs-output-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const launcher = resolve(import.meta.dirname, "../../bin/codex-supervisor.ts");

  it("arrives whole when the reader is slower than the writer (list --all --json, ~1 MB)", () => {
    const db = join(scratch, "s.db");
    // names of two-, three- and four-byte characters: a write cut short must go on from the right byte
    seedJobs(db, Array.from({ length: 2000 }, (_, i) => endedJob(i, { cwd: scratch, codexHome: join(scratch, "home"), name: `job ü–名😀 ${i}` })));
    // Python makes the pipe, marks its write end O_NONBLOCK, and reads only once the pipe has filled:
    // the CLI meets EAGAIN on its first large write.
    const reader = [
      "import fcntl, os, subprocess, sys, time",
      "r, w = os.pipe()",
      "fcntl.fcntl(w, fcntl.F_SETFL, fcntl.fcntl(w, fcntl.F_GETFL) | os.O_NONBLOCK)",
      "p = subprocess.Popen(sys.argv[1:], stdout=w)",
      "os.close(w)",
      "time.sleep(1.5)",
      "data = b''",
      "while True:",
      "    chunk = os.read(r, 65536)",
      "    if not chunk: break",
      "    data += chunk",
      "sys.stdout.buffer.write(data)",
      "sys.exit(p.wait())",
    ].join("\n");
    const out = Bun.spawnSync(["python3", "-c", reader, process.execPath, launcher, "list", "--all", "--json"], {
      env: { ...process.env, CODEX_SUPERVISOR_DB: db, XDG_CONFIG_HOME: join(scratch, "cfg") },
      cwd: scratch,
    });
    expect(out.stderr.toString()).toBe("");
    expect(out.exitCode).toBe(0);
    expect(out.stdout.length).toBeGreaterThan(128 * 1024); // more than a pipe holds
    const parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(out.stdout)) as { jobs: Array<{ name: string }> };
    expect(parsed.jobs).toHaveLength(2000);
    expect(new Set(parsed.jobs.map((j) => j.name))).toEqual(new Set(Array.from({ length: 2000 }, (_, i) => `job ü–名😀 ${i}`)));
  }, 30_000);
});
