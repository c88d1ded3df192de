/**
 * Malformed configs, each with where the error must point: the file always, and the
 * key path when the problem is a key's (a file that does not parse has no key; its
 * message must carry the position or the parser's reason instead).
 */
export interface BadConfig {
  readonly name: string;
  /** The config's file name in the project directory. */
  readonly file: string;
  readonly content: string;
  /** The key path the message must name, e.g. `policies.0.when.runtimeOver`. */
  readonly key: string | undefined;
  /** What else the message must say. */
  readonly says?: RegExp;
  /** Modules the config refers to, by file name (plugins). */
  readonly modules?: Readonly<Record<string, string>>;
}

const json = (value: unknown) => JSON.stringify(value, null, 2);
const rc = ".codex-supervisorrc.json";
const policy = (over: Record<string, unknown>) => json({ policies: [{ name: "p", when: { runtimeOver: "1m" }, do: ["notify"], ...over }] });

export const BAD_CONFIGS: ReadonlyArray<BadConfig> = [
  { name: "codex.args is a string", file: rc, content: json({ codex: { args: "--full-auto" } }), key: "codex.args", says: /expected an array, got string/ },
  { name: "codex.bin is a number", file: rc, content: json({ codex: { bin: 42 } }), key: "codex.bin" },
  { name: "codex.home is false (package.json)", file: "package.json", content: json({ name: "app", "codex-supervisor": { codex: { home: false } } }), key: "codex.home" },
  { name: "an unknown top-level key", file: rc, content: json({ polices: [] }), key: "polices", says: /did you mean "policies"/ },
  { name: "an unknown nested key", file: rc, content: json({ watchdog: { intervall: "5s" } }), key: "watchdog.intervall", says: /did you mean "interval"/ },
  { name: "a duration in words", file: rc, content: json({ watchdog: { interval: "5 minutes" } }), key: "watchdog.interval", says: /duration/ },
  { name: "a zero interval", file: rc, content: json({ watchdog: { interval: "0s" } }), key: "watchdog.interval", says: /from 100ms to 1h/ },
  { name: "a duration given as a number", file: rc, content: json({ watchdog: { pluginTimeout: 5 } }), key: "watchdog.pluginTimeout", says: /has no unit/ },
  { name: "an endless runtimeOver", file: rc, content: policy({ when: { runtimeOver: "99999999999999999999d" } }), key: "policies.0.when.runtimeOver", says: /from 0s to 365d/ },
  { name: "a duration without a unit", file: rc, content: policy({ when: { idleFor: "15" } }), key: "policies.0.when.idleFor", says: /has no unit/ },
  { name: "an endless kill grace", file: rc, content: json({ plugins: [["kill", { grace: "99999999999999999999d" }]] }), key: "plugins.0.grace", says: /from 0s to 10m/ },
  { name: "a policy without a name", file: rc, content: json({ policies: [{ when: { runtimeOver: "1m" }, do: ["kill"] }] }), key: "policies.0.name" },
  { name: "a policy with no condition", file: rc, content: policy({ when: {} }), key: "policies.0.when", says: /at least one condition/ },
  { name: "runtimeOver 'forever'", file: rc, content: policy({ when: { runtimeOver: "forever" } }), key: "policies.0.when.runtimeOver" },
  { name: "rssOver 'lots'", file: rc, content: policy({ when: { rssOver: "lots" } }), key: "policies.0.when.rssOver", says: /size/ },
  { name: "a negative cpuOver", file: rc, content: policy({ when: { cpuOver: -5 } }), key: "policies.0.when.cpuOver" },
  { name: "fractional forTicks", file: rc, content: policy({ when: { cpuOver: 90, forTicks: 1.5 } }), key: "policies.0.when.forTicks" },
  { name: "tracked: 'yes'", file: rc, content: policy({ match: { tracked: "yes" } }), key: "policies.0.match.tracked" },
  { name: "an empty do", file: rc, content: policy({ do: [] }), key: "policies.0.do" },
  { name: "action options that are not an object", file: rc, content: policy({ do: [["notify", "loud"]] }), key: "policies.0.do.0" },
  { name: "repeat: 'often'", file: rc, content: policy({ repeat: "often" }), key: "policies.0.repeat" },
  { name: "an unknown action", file: rc, content: policy({ do: ["kil"] }), key: "policies.0.do.0", says: /unknown action "kil" \(did you mean "kill"\?\)/ },
  { name: "a kill grace a policy gives in words", file: rc, content: policy({ do: [["kill", { grace: "soon" }]] }), key: "policies.0.do.0.1.grace", says: /duration/ },
  { name: "options for an action that takes none", file: rc, content: policy({ do: [["notify", { loud: true }]] }), key: "policies.0.do.0.1.loud", says: /unknown key/ },
  { name: "a global-only key in a project file", file: rc, content: json({ schedules: [] }), key: "schedules", says: /a project config cannot set this/ },
  { name: "a misspelt condition", file: rc, content: policy({ when: { runtimeOverr: "1m" } }), key: "policies.0.when.runtimeOverr", says: /did you mean "runtimeOver"/ },
  { name: "cron in words", file: rc, content: json({ schedules: [{ cron: "every day", do: "report" }] }), key: "schedules.0.cron", says: /cron/ },
  { name: "cron minute 61", file: rc, content: json({ schedules: [{ cron: "61 * * * *", do: "report" }] }), key: "schedules.0.cron", says: /cron/ },
  { name: "an unknown schedule action", file: rc, content: json({ schedules: [{ cron: "0 3 * * *", do: "backup" }] }), key: "schedules.0.do" },
  { name: "prune without olderThan", file: rc, content: json({ schedules: [{ cron: "0 3 * * *", do: "prune" }] }), key: "schedules.0.olderThan" },
  { name: "prune olderThan 'ages'", file: rc, content: json({ schedules: [{ cron: "0 3 * * *", do: "prune", olderThan: "ages" }] }), key: "schedules.0.olderThan" },
  { name: "an empty venv name", file: rc, content: json({ python: { names: [""] } }), key: "python.names.0" },
  { name: "an empty database path", file: rc, content: json({ database: { path: "" } }), key: "database.path" },
  { name: "a plugin given as a number", file: rc, content: json({ plugins: [42] }), key: "plugins.0" },
  { name: "JSON cut short", file: rc, content: `{ "codex": { "args": [`, key: undefined, says: /invalid JSON/ },
  { name: "JSON null", file: rc, content: "null", key: undefined, says: /expected a config object, got null/ },
  { name: "a JSON array", file: rc, content: "[1, 2]", key: undefined, says: /expected a config object, got array/ },
  { name: "YAML that does not parse", file: ".codex-supervisorrc.yaml", content: "policies:\n  - name: p\n   when: [\n", key: undefined, says: /invalid YAML/ },
  { name: "YAML: policies is a string", file: ".codex-supervisorrc.yaml", content: "policies: kill everything\n", key: "policies", says: /expected an array/ },
  { name: "a TS config that does not compile", file: "codex-supervisor.config.ts", content: "export default { codex: { args: [ };\n", key: undefined, says: /could not be imported.*(line 1|:1:35)/s },
  { name: "a TS config that throws as it loads", file: "codex-supervisor.config.ts", content: `throw new Error("boom while loading");\nexport default {};\n`, key: undefined, says: /boom while loading/ },
  { name: "a TS config without a default export", file: "codex-supervisor.config.ts", content: "export const config = {};\n", key: undefined, says: /no default export/ },
  { name: "a TS config exporting a function", file: "codex-supervisor.config.ts", content: "export default () => ({});\n", key: undefined, says: /must be a config object, got function/ },
  { name: "a TS config with a wrong type", file: "codex-supervisor.config.ts", content: "export default { watchdog: { interval: 5 } };\n", key: "watchdog.interval" },
  { name: "a plugin that does not exist", file: rc, content: json({ plugins: ["./nope/missing-plugin.ts"] }), key: "plugins.0", says: /does not exist/ },
  { name: "a misspelt built-in plugin", file: rc, content: json({ plugins: ["notfy"] }), key: "plugins.0", says: /did you mean "notify"/ },
  {
    name: "a plugin that throws on load", file: rc, content: json({ plugins: ["./throws.ts"] }), key: "plugins.0", says: /could not be imported.*plugin exploded/s,
    modules: { "throws.ts": `throw new Error("plugin exploded at import");\nexport default { name: "never" };\n` },
  },
  {
    name: "a plugin that does not compile", file: rc, content: json({ plugins: ["./broken.ts"] }), key: "plugins.0", says: /could not be imported/,
    modules: { "broken.ts": "export default { name: 'broken', actions: { go: ( => 1 } };\n" },
  },
  {
    name: "a plugin whose export is not a plugin", file: rc, content: json({ plugins: ["./fortytwo.ts"] }), key: "plugins.0", says: /expected a plugin object/,
    modules: { "fortytwo.ts": "export default 42;\n" },
  },
  {
    name: "a plugin with a hook that is not a function", file: rc, content: json({ plugins: ["./badhook.ts"] }), key: "plugins.0", says: /"onTick" must be a function/,
    modules: { "badhook.ts": `export default { name: "badhook", onTick: "yes" };\n` },
  },
  { name: "notify with an ftp webhook", file: rc, content: json({ plugins: [["notify", { webhook: "ftp://example.com/x" }]] }), key: "plugins.0.webhook", says: /http/ },
  { name: "notify with an unknown option", file: rc, content: json({ plugins: [["notify", { webhok: "http://127.0.0.1/x" }]] }), key: "plugins.0.webhok", says: /did you mean "webhook"/ },
  {
    name: "the same plugin listed twice", file: rc, content: json({ plugins: ["./twice.ts", "./twice.ts"] }), key: "plugins.1", says: /listed twice/,
    modules: { "twice.ts": `export default { name: "twice" };\n` },
  },
];
