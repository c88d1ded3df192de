import { isIP } from "node:net";
import { isAbsolute } from "node:path";
import { z } from "zod";
import { durationWithin } from "./fields.ts";

const LISTEN_HINT = `"HOST:PORT", e.g. "127.0.0.1:9464" or "[::1]:9464"`;

/** Where `watch` serves /metrics, as Bun.serve takes it. */
export interface ListenAddress {
  readonly hostname: string;
  readonly port: number;
}

/** "127.0.0.1:9464", "localhost:9464", "[::1]:9464", "0.0.0.0:9464"; undefined when it is none of those shapes. */
export const readListen = (text: string): ListenAddress | undefined => {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(text.trim());
  if (!m) return undefined;
  const port = Number(m[3]);
  const hostname = m[1] ?? m[2]!;
  if (port < 1 || port > 65_535) return undefined;
  if (m[1] !== undefined && isIP(hostname) !== 6) return undefined;
  if (m[2] !== undefined && isIP(hostname) === 0 && !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(hostname)) return undefined;
  return { hostname, port };
};

/** Only this machine can connect: 127.0.0.0/8, ::1, localhost. */
export const isLoopback = (hostname: string): boolean =>
  hostname === "localhost" || hostname === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);

const listen = z.string().transform((text, ctx) => {
  const address = readListen(text);
  if (address) return address;
  ctx.addIssue({ code: "custom", message: `expected ${LISTEN_HINT}, got ${JSON.stringify(text)}` });
  return z.NEVER;
});

/** The watchdog's metrics: opt-in, global config only (one watchdog per machine; a project must not open a port). */
export const metricsSchema = z
  .strictObject({
    /** Serve the Prometheus exposition at http://HOST:PORT/metrics while `watch` runs, e.g. "127.0.0.1:9464". */
    listen: listen.optional(),
    /** Let `listen` name an address other than loopback (all interfaces, a LAN address): anyone who can reach it reads job names and folders. */
    allowRemote: z.boolean().default(false),
    /** Push the same metrics, and the events as logs, to this OTLP/HTTP collector (JSON), e.g. "http://127.0.0.1:4318". */
    otlp: z.url({ protocol: /^https?$/, error: "expected an http(s) URL of an OTLP/HTTP collector, e.g. \"http://127.0.0.1:4318\"" }).optional(),
    /**
     * How often metrics and new events are pushed to `otlp`: a minute by default, as OpenTelemetry's own
     * SDKs export. Every push costs the watchdog a few ms of CPU, several times a quiet tick (BENCHMARKS.md §9).
     */
    otlpInterval: durationWithin({ min: 1000, max: 60 * 60_000 }).prefault("60s"),
    /**
     * Write the same exposition to this file for node_exporter's textfile collector (its
     * `--collector.textfile.directory`), replaced whole every `textfileInterval`: metrics with no port
     * and no HTTP in the watchdog (BENCHMARKS.md §9).
     */
    textfile: z.string().refine((path) => isAbsolute(path) && path.endsWith(".prom") && !path.includes("\n"), {
      error: `expected the absolute path of a .prom file in node_exporter's textfile directory, e.g. "/var/lib/prometheus/node-exporter/codex-supervisor.prom"`,
    }).optional(),
    /** How often the textfile is written: once a minute by default, as Prometheus scrapes by default. */
    textfileInterval: durationWithin({ min: 1000, max: 60 * 60_000 }).prefault("60s"),
  })
  .superRefine((metrics, ctx) => {
    if (metrics.listen && !metrics.allowRemote && !isLoopback(metrics.listen.hostname)) {
      ctx.addIssue({
        code: "custom", path: ["listen"],
        message: `${metrics.listen.hostname} is not a loopback address: anyone who can reach it reads job names and folders; set metrics.allowRemote: true to serve it there`,
      });
    }
  });

export type MetricsConfig = z.output<typeof metricsSchema>;
