import { ConfigError, UsageError } from "../core/errors.ts";
import { listTrusted, trustProject, untrustProject } from "../config/trustProject.ts";
import { COMMON_OPTIONS } from "./args.ts";
import { type Command, print, printJson } from "./command.ts";
import { describe } from "../app/text/messages.ts";
import { stderr } from "../app/output.ts";

const TRUST_DETAILS = [
  "A project's config file (codex-supervisor.config.ts, .codex-supervisorrc*, package.json's key) applies",
  "only once trusted: the watchdog judges every Codex on the machine by the config found from its folder,",
  "and a TS config or a plugin file is code it would run as you. `trust` records the file's real path and",
  "the sha256 of it and of the plugin files it names, in your state folder; an edit to any of them makes it",
  "untrusted again until trusted again. Trusting loads the file (a TS config runs) to check it and find its",
  "plugins. A file (or its folder) that another user owns or can write is never loaded, trusted or not.",
].join("\n");

/** A ConfigError as every command prints one; anything else is not ours to catch. */
const failed = (e: unknown): number => {
  if (!(e instanceof ConfigError)) throw e;
  const { message, exitCode } = describe(e);
  stderr.write(`codex-supervisor: ${message}\n`);
  return exitCode;
};

const oneDir = (positionals: ReadonlyArray<string>, verb: string): string => {
  if (positionals.length > 1) throw new UsageError({ message: `${verb} takes at most one DIR` });
  return positionals[0] ?? process.cwd();
};

const list = (json: boolean): number => {
  const { record, files } = listTrusted();
  if (json) return printJson({ record, files }), 0;
  if (files.length === 0) return print(`no project config is trusted (record: ${record})`), 0;
  for (const f of files) {
    print(`${f.state.padEnd(14)} ${f.file}${f.detail ? ` (${f.detail})` : ""}`);
    for (const plugin of f.pluginFiles) print(`${"".padEnd(14)}   plugin ${plugin}`);
  }
  return 0;
};

export const trust: Command = {
  name: "trust",
  summary: "apply a project's config file: record it (and the plugin files it names) as trusted",
  usage: "trust [DIR | FILE] [--list] [--json]",
  details: `${TRUST_DETAILS}\nDIR defaults to here; the file trusted is the one a job started there gets.`,
  options: {
    list: { type: "boolean", help: "list the trusted files and whether each still applies as trusted" },
    ...COMMON_OPTIONS,
  },
  run: async ({ values, positionals }) => {
    try {
      if (values.list) {
        if (positionals.length > 0) throw new UsageError({ message: "trust --list takes no DIR" });
        return list(values.json === true);
      }
      const trusted = await trustProject({ cwd: oneDir(positionals, "trust") });
      if (values.json) return printJson({ trusted: trusted.file, pluginFiles: trusted.pluginFiles }), 0;
      print(`trusted ${trusted.file}`);
      for (const plugin of trusted.pluginFiles) print(`  with its plugin ${plugin}`);
      return 0;
    } catch (e) {
      return failed(e);
    }
  },
};

export const untrust: Command = {
  name: "untrust",
  summary: "stop applying a project's config file (undo `trust`)",
  usage: "untrust [DIR | FILE] [--json]",
  details: "Removes the trust record of the file a job started in DIR (default: here) gets; jobs there get the global config.",
  options: { ...COMMON_OPTIONS },
  run: async ({ values, positionals }) => {
    try {
      const { file, removed } = untrustProject({ cwd: oneDir(positionals, "untrust") });
      if (values.json) return printJson({ file, removed }), 0;
      print(removed ? `untrusted ${file}` : `${file} was not trusted`);
      return 0;
    } catch (e) {
      return failed(e);
    }
  },
};
