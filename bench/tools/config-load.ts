#!/usr/bin/env bun
/**
 * What loading the config costs a fresh command: building the zod schema and its first two
 * parses, with zod's compiled parsers (as zod ships) and without them (`jitless`, as
 * src/config/schema.ts sets it), each in its own fresh process, alternating; then the whole
 * loadConfig of a directory with no config file, as every command runs it.
 *
 *   bun bench/tools/config-load.ts [--reps 15]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { summarize } from "../lib/stats.ts";

const at = process.argv.indexOf("--reps");
const reps = at >= 0 ? Number(process.argv[at + 1]) : 15;
const src = join(import.meta.dirname, "../../src/config");
const scratch = mkdtempSync(join(tmpdir(), "cs-config-load-"));

// zod's setting is read when a schema first parses, so a later z.config wins over schema.ts's own
const parses = (jit: boolean) => `
  const { z } = await import("zod");
  const { configDefaults } = await import(${JSON.stringify(join(src, "defaults.ts"))});
  const { configSchema } = await import(${JSON.stringify(join(src, "schema.ts"))});
  z.config({ jitless: ${!jit} });
  const t0 = performance.now();
  const schema = configSchema(configDefaults({ env: process.env, platform: process.platform, home: ${JSON.stringify(scratch)} }));
  schema.parse({});
  schema.parse({ watchdog: { interval: "5s" } });
  require("node:fs").writeSync(2, String(performance.now() - t0));`;
const whole = `
  const { loadConfig } = await import(${JSON.stringify(join(src, "load.ts"))});
  const t0 = performance.now();
  await loadConfig({ cwd: ${JSON.stringify(scratch)}, home: ${JSON.stringify(scratch)}, globalDir: ${JSON.stringify(join(scratch, "global"))} });
  require("node:fs").writeSync(2, String(performance.now() - t0));`;
const ways: Record<string, string> = {
  "schema + 2 parses, zod's JIT": parses(true),
  "schema + 2 parses, jitless": parses(false),
  "loadConfig, no config file": whole,
};
try {
  const times = new Map<string, number[]>(Object.keys(ways).map((k) => [k, []]));
  for (let r = 0; r < reps; r++) {
    for (const [name, code] of Object.entries(ways)) {
      const out = Bun.spawnSync([process.execPath, "-e", code], { cwd: scratch, stdout: "pipe", stderr: "pipe" });
      const ms = Number(out.stderr.toString());
      if (!Number.isFinite(ms)) throw new Error(`${name}: ${out.stderr.toString()}`);
      times.get(name)!.push(ms);
    }
  }
  process.stdout.write(`ms in a fresh process, median (min–max) of ${reps}:\n`);
  for (const [name, xs] of times) {
    const s = summarize(xs);
    process.stdout.write(`  ${name.padEnd(30)} ${s.median.toFixed(2).padStart(6)} (${s.min.toFixed(2)}–${s.max.toFixed(2)})\n`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
