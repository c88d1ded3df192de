import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, test } from "vitest";
import { type AgentSpec, launchdAgent } from "../../../src/core/service/launchd.ts";

type PlistValue = string | boolean | number | PlistValue[] | { [key: string]: PlistValue };
type XmlNode = Record<string, unknown>;

const parser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, parseTagValue: false, trimValues: false });

const tagOf = (node: XmlNode) => Object.keys(node).find((k) => k !== ":@")!;
const childrenOf = (node: XmlNode) => node[tagOf(node)] as XmlNode[];
const textOf = (node: XmlNode) => childrenOf(node).map((c) => {
  if (tagOf(c) !== "#text") throw new Error(`<${tagOf(node)}> holds <${tagOf(c)}>; only text is allowed`);
  return String(c["#text"]);
}).join("");
// Whitespace between elements is allowed by the DTD; any other text there is not.
const elementsOf = (node: XmlNode) => childrenOf(node).filter((c) => {
  if (tagOf(c) !== "#text") return true;
  if (String(c["#text"]).trim() !== "") throw new Error(`stray text in <${tagOf(node)}>`);
  return false;
});

/** Decodes a plist by the element rules of Apple's PropertyList-1.0 DTD, refusing anything outside them. */
const plistValue = (node: XmlNode): PlistValue => {
  const tag = tagOf(node);
  switch (tag) {
    case "string": return textOf(node);
    case "integer": return Number.parseInt(textOf(node), 10);
    case "true": case "false":
      if (childrenOf(node).length > 0) throw new Error(`<${tag}/> must be empty`);
      return tag === "true";
    case "array": return elementsOf(node).map(plistValue);
    case "dict": {
      const items = elementsOf(node);
      const dict: Record<string, PlistValue> = {};
      for (let i = 0; i < items.length; i += 2) {
        const [k, v] = [items[i]!, items[i + 1]];
        if (tagOf(k) !== "key" || v === undefined || tagOf(v) === "key") throw new Error("a <dict> must alternate <key> and a value");
        const name = textOf(k);
        if (name in dict) throw new Error(`key ${name} repeated`);
        dict[name] = plistValue(v);
      }
      return dict;
    }
    default: throw new Error(`<${tag}> is not a plist element`);
  }
};

const parsePlist = (xml: string): PlistValue => {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  expect(xml).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<!DOCTYPE plist PUBLIC "-\/\/Apple\/\/DTD PLIST 1\.0\/\/EN" "http:\/\/www\.apple\.com\/DTDs\/PropertyList-1\.0\.dtd">\n/);
  const roots = (parser.parse(xml) as XmlNode[]).filter((n) => tagOf(n) !== "?xml" && tagOf(n) !== "#text");
  if (roots.length !== 1 || tagOf(roots[0]!) !== "plist") throw new Error("the document must be one <plist>");
  expect((roots[0]![":@"] as Record<string, string>)["@_version"]).toBe("1.0");
  const [value, ...more] = elementsOf(roots[0]!);
  if (!value || more.length > 0) throw new Error("<plist> must hold exactly one value");
  return plistValue(value);
};

const NASTY = `a&b <c> "d" 'e' &amp; ]]> \\ %h $HOME`;

const spec = (overrides: Partial<AgentSpec> = {}): AgentSpec => ({
  label: "dev.codex-supervisor.watch",
  argv: ["/opt/homebrew/bin/bun", "/Users/someone/code supervisor/src/cli/main.ts", "watch"],
  workingDirectory: "/Users/someone",
  environment: { PATH: "/opt/homebrew/bin:/usr/bin:/bin", CODEX_HOME: "/Users/someone/.codex" },
  logFile: "/Users/someone/Library/Logs/codex-supervisor/watch.log",
  ...overrides,
});

describe("launchd agent", () => {
  test("is a well-formed plist whose keys make launchd restart it on failure and leave the jobs alone", () => {
    expect(parsePlist(launchdAgent(spec()))).toEqual({
      Label: "dev.codex-supervisor.watch",
      ProgramArguments: ["/opt/homebrew/bin/bun", "/Users/someone/code supervisor/src/cli/main.ts", "watch"],
      EnvironmentVariables: { PATH: "/opt/homebrew/bin:/usr/bin:/bin", CODEX_HOME: "/Users/someone/.codex" },
      WorkingDirectory: "/Users/someone",
      RunAtLoad: true,
      KeepAlive: { SuccessfulExit: false },
      AbandonProcessGroup: true,
      ProcessType: "Background",
      StandardOutPath: "/Users/someone/Library/Logs/codex-supervisor/watch.log",
      StandardErrorPath: "/Users/someone/Library/Logs/codex-supervisor/watch.log",
    });
  });

  test("arguments and environment with & < > quotes come back exactly", () => {
    const argv = ["/opt/bun", NASTY, "watch", "--config", `/Users/x/${NASTY}.ts`];
    const environment = { PATH: `/a&b:/c<d>:${NASTY}`, [`ODD_${"&"}`]: NASTY };
    const agent = parsePlist(launchdAgent(spec({ argv, environment, workingDirectory: NASTY }))) as Record<string, PlistValue>;
    expect(agent.ProgramArguments).toEqual(argv);
    expect(agent.EnvironmentVariables).toEqual(environment);
    expect(agent.WorkingDirectory).toBe(NASTY);
  });

  test("the checks reject what an unescaped string would produce", () => {
    const escaped = launchdAgent(spec({ argv: ["/opt/bun", "a&b"] }));
    expect(() => parsePlist(escaped.replace("a&amp;b", "a&b"))).toThrow(/not well-formed/);
    expect(() => parsePlist(escaped.replace("a&amp;b", "a<b"))).toThrow(/not well-formed/);
    expect(() => parsePlist(escaped.replace("<key>RunAtLoad</key>", ""))).toThrow(/alternate/);
  });
});

const plutil = Bun.which("plutil");

test.runIf(plutil)(`plutil -lint accepts the agent${plutil ? "" : " (SKIPPED: plutil exists only on macOS)"}`, () => {
  const dir = mkdtempSync(join(tmpdir(), "cs-launchd-"));
  try {
    const file = join(dir, "agent.plist");
    writeFileSync(file, launchdAgent(spec({ argv: ["/opt/bun", NASTY] })));
    const result = Bun.spawnSync([plutil!, "-lint", file]);
    expect(result.stdout.toString() + result.stderr.toString()).toMatch(/OK/);
    expect(result.exitCode).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
