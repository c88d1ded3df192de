#!/usr/bin/env bun
/**
 * What one scrape of /metrics costs the process that answers it, with nothing else in that process:
 * `Bun.serve`, a raw `Bun.listen` socket answering by hand, and the same server in C (the kernel's share:
 * the floor), each sent N requests GAP ms apart after 5 not counted. Bun runs under the watchdog's JIT
 * settings (bin/process.ts). Prints CPU per request and the server's RSS (BENCHMARKS.md section 9).
 *
 *   bun bench/tools/scrape-floor.ts [--requests 20] [--gap 3000]
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => { const at = args.indexOf(`--${name}`); return at >= 0 ? args[at + 1] ?? fallback : fallback; };
const n = Number(arg("requests", "20"));
const gap = Number(arg("gap", "3000"));
const WATCH_JSC = { BUN_GC_TIMER_DISABLE: "1", BUN_JSC_useDFGJIT: "0", BUN_JSC_useConcurrentJIT: "0" };
const here = join(import.meta.dirname, "scrape-floor");

const rssMb = async (pid: number) => Number((await Bun.file(`/proc/${pid}/status`).text()).match(/VmRSS:\s+(\d+)/)?.[1] ?? Number.NaN) / 1024;
const lines = (stream: ReadableStream<Uint8Array>) => {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  return async (): Promise<string> => {
    for (;;) {
      const at = buffered.indexOf("\n");
      if (at >= 0) { const line = buffered.slice(0, at); buffered = buffered.slice(at + 1); return line; }
      const { value, done } = await reader.read();
      if (done) throw new Error("the server ended early");
      buffered += decoder.decode(value);
    }
  };
};
const scrape = (port: number) => fetch(`http://127.0.0.1:${port}/metrics`, { keepalive: false }).then((r) => r.text());

const bunServer = async (mode: "serve" | "listen" | "none") => {
  const server = Bun.spawn([process.execPath, join(here, "server.ts"), mode], { stdin: "pipe", stdout: "pipe", env: { ...process.env, ...WATCH_JSC } });
  try {
    const line = lines(server.stdout);
    const port = Number(await line());
    const cpu = async () => { server.stdin.write("\n"); await server.stdin.flush(); return Number(await line()); };
    for (let i = 0; i < 5; i++) if (port) await scrape(port);
    await Bun.sleep(gap);
    const before = await cpu();
    for (let i = 0; i < n; i++) { if (port) await scrape(port); await Bun.sleep(gap); }
    const perRequest = (await cpu() - before) / n;
    return { perRequest, rss: await rssMb(server.pid) };
  } finally {
    server.kill();
  }
};

const cFloor = async (): Promise<number | undefined> => {
  const dir = mkdtempSync(join(tmpdir(), "scrape-floor-"));
  try {
    const bin = join(dir, "floor");
    const cc = Bun.spawnSync(["cc", "-O2", "-o", bin, join(here, "floor.c")], { stderr: "pipe" });
    if (cc.exitCode !== 0 || !existsSync(bin)) return undefined;
    const server = Bun.spawn([bin, String(n)], { stdout: "pipe", stderr: "pipe" });
    const port = Number(await lines(server.stdout)());
    for (let i = 0; i < n + 5; i++) { await scrape(port); if (i >= 5) await Bun.sleep(gap); }
    await server.exited;
    return Number((await new Response(server.stderr).text()).trim());
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

process.stdout.write(`${n} requests ${gap} ms apart, a 6 kB body, a new connection each\n`);
const [none, serve, listen, c] = await Promise.all([bunServer("none"), bunServer("serve"), bunServer("listen"), cFloor()]);
const idle = none.perRequest; // an idle Bun's own CPU over the same time, per request's worth
process.stdout.write(`Bun.serve     ${(serve.perRequest - idle).toFixed(2)} ms CPU a request  RSS ${serve.rss.toFixed(1)} MB (+${(serve.rss - none.rss).toFixed(1)} over an idle Bun)\n`);
process.stdout.write(`Bun.listen    ${(listen.perRequest - idle).toFixed(2)} ms CPU a request  RSS ${listen.rss.toFixed(1)} MB (+${(listen.rss - none.rss).toFixed(1)})\n`);
process.stdout.write(`C (the floor) ${c === undefined ? "no C compiler" : `${c.toFixed(2)} ms CPU a request`}\n`);
process.stdout.write(`(an idle Bun used ${idle.toFixed(2)} ms over each gap; subtracted above)\n`);
