#!/usr/bin/env bun
/**
 * What each way of exporting the watchdog's metrics costs in resident memory: a fresh Bun process
 * per variant and round (in alternation), loading what that way loads, then VmRSS and RssAnon
 * after a full GC. The watchdog's own exporters (src/watchdog/metrics/) use Effect's Metric,
 * Bun.serve and fetch; effect/observability's PrometheusMetrics and Otlp* bring Effect's HTTP
 * router and client with them.
 *
 *   bun bench/tools/metrics-imports.ts [--rounds 5]
 */
const VARIANTS: Record<string, string> = {
  "effect (Effect, Layer)": "",
  "+ Metric": `await import("effect/Metric");`,
  "+ Metric, Bun.serve, fetch (what ships)": `await import("effect/Metric"); const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("x") }); await (await fetch("http://127.0.0.1:" + server.port + "/")).text();`,
  "+ effect/observability PrometheusMetrics": `await import("effect/Metric"); await import("effect/observability/PrometheusMetrics");`,
  "+ effect/observability OtlpMetrics, OtlpLogger, FetchHttpClient": `await import("effect/Metric"); await import("effect/observability/OtlpMetrics"); await import("effect/observability/OtlpLogger"); await import("effect/http/FetchHttpClient"); await import("effect/observability/OtlpSerialization");`,
};
const rounds = Number(process.argv[process.argv.indexOf("--rounds") + 1] || 5);
const script = (body: string) => `await import("effect/Effect"); await import("effect/Layer"); ${body}
Bun.gc(true); await Bun.sleep(200);
const s = require("node:fs").readFileSync("/proc/self/status", "utf8");
console.log(s.match(/VmRSS:\\s+(\\d+)/)[1], s.match(/RssAnon:\\s+(\\d+)/)[1]); process.exit(0);`;
const samples = new Map<string, Array<[number, number]>>(Object.keys(VARIANTS).map((k) => [k, []]));
for (let r = 0; r < rounds; r++) {
  for (const [name, body] of Object.entries(VARIANTS)) {
    const out = Bun.spawnSync([process.execPath, "-e", script(body)], { cwd: import.meta.dirname, stdout: "pipe", stderr: "inherit" }).stdout.toString().trim();
    const [rss, anon] = out.split(" ").map(Number) as [number, number];
    samples.get(name)!.push([rss / 1024, anon / 1024]);
  }
}
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [name, s] of samples) {
  process.stdout.write(`${name.padEnd(66)} RSS ${median(s.map((x) => x[0])).toFixed(1)} MB, anonymous ${median(s.map((x) => x[1])).toFixed(1)} MB (median of ${s.length})\n`);
}
