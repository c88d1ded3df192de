import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, expect, test } from "vitest";
import { loadConfig, type LoadConfigOptions } from "../../src/config/load.ts";
import { ConfigError } from "../../src/core/errors.ts";
import { trustAsIs } from "../support/trust.ts";

const roots: string[] = [];
afterEach(() => roots.splice(0).forEach((root) => rmSync(root, { recursive: true, force: true })));

/** A home with a global config and, when given, a trusted project config in `proj/`. */
const home = (global: unknown, project?: unknown) => {
  const root = mkdtempSync(join(tmpdir(), "cs-metrics-config-"));
  roots.push(root);
  const write = (path: string, value: unknown) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), JSON.stringify(value));
  };
  write("global/config.json", global);
  if (project !== undefined) {
    write("proj/.codex-supervisorrc.json", project);
    trustAsIs([join(root, "proj/.codex-supervisorrc.json")], { home: root });
  }
  const options: LoadConfigOptions = { cwd: join(root, project === undefined ? "" : "proj"), home: root, globalDir: join(root, "global"), env: {} };
  return { root, options };
};

const issues = async (loading: Promise<unknown>) => {
  const error = await loading.then(() => undefined, (e: unknown) => e);
  if (!(error instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${String(error)}`);
  return { file: error.file, issues: error.issues };
};

test("the global config turns metrics on: a loopback listen address, an OTLP collector, the push interval", async () => {
  const { options } = home({ metrics: { listen: "127.0.0.1:9464", otlp: "http://127.0.0.1:4318", otlpInterval: "5s" } });
  const { config } = await loadConfig(options);
  expect(config.metrics).toEqual({ listen: { hostname: "127.0.0.1", port: 9464 }, allowRemote: false, otlp: "http://127.0.0.1:4318", otlpInterval: 5000, textfileInterval: 60_000 });
  const { options: v6 } = home({ metrics: { listen: "[::1]:9464" } });
  expect((await loadConfig(v6)).config.metrics?.listen).toEqual({ hostname: "::1", port: 9464 });
});

test("an OTLP collector without an interval is pushed to once a minute, as OpenTelemetry's SDKs export", async () => {
  const { options } = home({ metrics: { otlp: "http://127.0.0.1:4318" } });
  expect((await loadConfig(options)).config.metrics?.otlpInterval).toBe(60_000);
});

test("without a metrics section nothing is served", async () => {
  const { options } = home({ watchdog: { interval: "1s" } });
  expect((await loadConfig(options)).config.metrics).toBeUndefined();
});

test("a listen that is not HOST:PORT is a config error saying what and where", async () => {
  for (const listen of ["9464", "127.0.0.1", "127.0.0.1:99999", "127.0.0.1:0", "http://127.0.0.1:9464", "::1:9464", "a b:80"]) {
    const { root, options } = home({ metrics: { listen } });
    const error = await issues(loadConfig(options));
    expect(error.file).toBe(join(root, "global/config.json"));
    expect(error.issues).toEqual([{ path: "metrics.listen", message: `expected "HOST:PORT", e.g. "127.0.0.1:9464" or "[::1]:9464", got ${JSON.stringify(listen)}` }]);
  }
});

test("an address beyond loopback needs allowRemote: true, said in the error", async () => {
  const { options } = home({ metrics: { listen: "0.0.0.0:9464" } });
  const error = await issues(loadConfig(options));
  expect(error.issues).toHaveLength(1);
  expect(error.issues[0]!.path).toBe("metrics.listen");
  expect(error.issues[0]!.message).toContain("0.0.0.0 is not a loopback address");
  expect(error.issues[0]!.message).toContain("metrics.allowRemote: true");
  const { options: allowed } = home({ metrics: { listen: "0.0.0.0:9464", allowRemote: true } });
  expect((await loadConfig(allowed)).config.metrics?.listen).toEqual({ hostname: "0.0.0.0", port: 9464 });
});

test("a node_exporter textfile is an absolute .prom path, written once a minute unless said; anything else is a config error naming the key", async () => {
  const file = "/var/lib/prometheus/node-exporter/codex-supervisor.prom";
  const { options } = home({ metrics: { textfile: file } });
  expect((await loadConfig(options)).config.metrics).toMatchObject({ textfile: file, textfileInterval: 60_000 });
  for (const textfile of ["codex-supervisor.prom", "/tmp/metrics.txt", "/tmp/a\nb.prom"]) {
    const { options: bad } = home({ metrics: { textfile } });
    const error = await issues(loadConfig(bad));
    expect(error.issues).toEqual([{ path: "metrics.textfile", message: expect.stringContaining("absolute path of a .prom file in node_exporter's textfile directory") }]);
  }
});

test("an OTLP address that is not an http(s) URL, and unknown keys, are config errors", async () => {
  const { options } = home({ metrics: { otlp: "udp://x:4317", listn: "127.0.0.1:9464" } });
  const error = await issues(loadConfig(options));
  expect(error.issues).toEqual(expect.arrayContaining([
    { path: "metrics.listn", message: 'unknown key (did you mean "listen"?)' },
    expect.objectContaining({ path: "metrics.otlp" }),
  ]));
});

test("a project file that sets metrics is a config error: only the global config may open a port", async () => {
  const { root, options } = home({}, { metrics: { listen: "127.0.0.1:9464" } });
  const error = await issues(loadConfig(options));
  expect(error.file).toBe(join(root, "proj/.codex-supervisorrc.json"));
  expect(error.issues).toEqual([{ path: "metrics", message: expect.stringContaining("a project config cannot set this (one watchdog serves the whole machine's metrics, and a project must not open a port on it)") }]);
});
