import type { DoctorCheck, DoctorReport } from "./check.ts";

const MARK = { ok: "✓", warn: "!", fail: "✗" } as const;
const INDENT = "    ";

const indented = (text: string) => text.split("\n").map((line) => `${INDENT}${line}`);

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

const renderCheck = (check: DoctorCheck): string[] => {
  const [first = "", ...rest] = check.detail.split("\n");
  const fix = check.fix ? indented(`fix: ${check.fix}`) : [];
  return [`${MARK[check.status]} ${check.title}: ${first}`, ...rest.flatMap(indented), ...fix];
};

/** The readable report: one ✓ / ! / ✗ line per check, detail and fix indented under it, a verdict last. */
export const renderDoctor = (report: DoctorReport, cwd: string): string => {
  const failed = report.checks.filter((c) => c.status === "fail").length;
  const warned = report.checks.filter((c) => c.status === "warn").length;
  const verdict = failed > 0 ? `${plural(failed, "check")} failed${warned > 0 ? `, ${plural(warned, "warning")}` : ""}`
    : warned > 0 ? `healthy, with ${plural(warned, "warning")}`
    : "healthy";
  return [`codex-supervisor doctor for ${cwd}`, "", ...report.checks.flatMap(renderCheck), "", verdict].join("\n");
};
