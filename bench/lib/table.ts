/** The results as text tables: the console's and BENCHMARKS.md's. */
import type { Row, SuiteResult } from "./results.ts";

export const formatValue = (v: number, unit: string): string => {
  if (!Number.isFinite(v)) return "–";
  if (unit === "ms") return v >= 100 ? `${Math.round(v)} ms` : `${v.toFixed(1)} ms`;
  if (unit === "MB") return `${v.toFixed(1)} MB`;
  if (unit === "CPU s/h") return `${v.toFixed(1)} s/h`;
  return `${v.toFixed(2)} ${unit}`;
};

const formatRatio = (r: number) => (Number.isFinite(r) ? `${r.toFixed(2)}×` : "–");

const goalCell = (row: Row) =>
  row.goal ? `${row.goal.met === null ? "?" : row.goal.met ? "✓" : "✗"} ${row.goal.text}` : "";

/** Header and cells of a suite's table; contenders and ratios take the union over rows. */
export const tableOf = (suite: SuiteResult): { header: string[]; rows: string[][] } => {
  const contenders = [...new Set(suite.rows.flatMap((r) => Object.keys(r.values)))];
  const ratios = [...new Set(suite.rows.flatMap((r) => Object.keys(r.ratios)))];
  const header = ["case", ...contenders, ...ratios, "goal"];
  const rows = suite.rows.map((r) => [
    r.case,
    ...contenders.map((c) => {
      const s = r.values[c];
      return s ? formatValue(s.median, r.unit) + (s.n > 1 ? ` (${formatValue(s.min, r.unit)}–${formatValue(s.max, r.unit).replace(/ .*/, "")}, n=${s.n})` : "") : "";
    }),
    ...ratios.map((k) => (r.ratios[k] === undefined ? "" : formatRatio(r.ratios[k]!))),
    goalCell(r),
  ]);
  return { header, rows };
};

export const textTable = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: ReadonlyArray<string>) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
};

export const markdownTable = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string =>
  [header, header.map(() => "---"), ...rows].map((cells) => `| ${cells.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`).join("\n");

export const printSuite = (suite: SuiteResult): string => {
  const head = `\n== ${suite.title} (${(suite.elapsedMs / 1000).toFixed(1)} s)`;
  if (suite.error && suite.rows.length === 0) return `${head}\nFAILED: ${suite.error}`;
  const { header, rows } = tableOf(suite);
  return [head, textTable(header, rows), ...suite.notes.map((n) => `  note: ${n}`), ...(suite.error ? [`FAILED: ${suite.error}`] : [])].join("\n");
};
