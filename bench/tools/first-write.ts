#!/usr/bin/env bun
/**
 * What a command's first line of output costs in a fresh Bun process: `process.stdout.write`
 * (Bun builds the stream on first use), against a plain write(2) (`fs.writeSync`) and the
 * CLI's own writer (src/app/output.ts). Each way runs in its own process, R times, into a pipe.
 *
 *   bun bench/tools/first-write.ts [--reps 15]
 */
import { join } from "node:path";
import { summarize } from "../lib/stats.ts";

const at = process.argv.indexOf("--reps");
const reps = at >= 0 ? Number(process.argv[at + 1]) : 15;
const output = join(import.meta.dirname, "../../src/app/output.ts");
const ways: Record<string, string> = {
  "process.stdout.write": `process.stdout.write("x\\n")`,
  "fs.writeSync": `require("node:fs").writeSync(1, "x\\n")`,
  "src/app/output.ts": `require(${JSON.stringify(output)}).stdout.write("x\\n")`,
};
const times = new Map<string, number[]>(Object.keys(ways).map((k) => [k, []]));
for (let r = 0; r < reps; r++) {
  for (const [name, code] of Object.entries(ways)) {
    // node:fs and the CLI's writer are loaded before the clock starts: only the write is timed
    const script = `const w = () => { ${code}; }; require("node:fs"); require(${JSON.stringify(output)});
      const t0 = performance.now(); w(); const ms = performance.now() - t0; require("node:fs").writeSync(2, String(ms));`;
    const out = Bun.spawnSync([process.execPath, "-e", script], { stdout: "pipe", stderr: "pipe" });
    times.get(name)!.push(Number(out.stderr.toString()));
  }
}
process.stdout.write(`first write of one line in a fresh process, ms, median (min–max) of ${reps}:\n`);
for (const [name, xs] of times) {
  const s = summarize(xs);
  process.stdout.write(`  ${name.padEnd(22)} ${s.median.toFixed(2).padStart(6)} (${s.min.toFixed(2)}–${s.max.toFixed(2)})\n`);
}
