import { describe, expect, it } from "vitest";
import { DURATION_RANGES, formatDuration, readDuration } from "../../src/core/duration.ts";

describe("readDuration", () => {
  it("reads a duration with its unit inside the range", () => {
    expect(readDuration("250ms", DURATION_RANGES.grace)).toEqual({ ms: 250 });
    expect(readDuration("1.5h", DURATION_RANGES.condition)).toEqual({ ms: 5_400_000 });
    expect(readDuration("10m", DURATION_RANGES.grace)).toEqual({ ms: 600_000 });
  });

  it("says a number without a unit needs one", () => {
    expect(readDuration("5", DURATION_RANGES.grace)).toEqual({ problem: `"5" has no unit: a duration needs one, e.g. "5s" (ms, s, m, h, d or w)`, reason: "no-unit" });
  });

  it("refuses an endless duration, naming the range", () => {
    expect(readDuration("99999999999999999999d", DURATION_RANGES.grace)).toEqual({ problem: `expected a duration from 0s to 10m, got "99999999999999999999d"`, reason: "out-of-range" });
    expect(readDuration(`${"9".repeat(400)}w`, DURATION_RANGES.condition)).toEqual({ problem: `expected a duration from 0s to 365d, got "${"9".repeat(400)}w"`, reason: "out-of-range" });
  });

  it("refuses one under the range's least", () => {
    expect(readDuration("10ms", DURATION_RANGES.interval)).toEqual({ problem: `expected a duration from 100ms to 1h, got "10ms"`, reason: "out-of-range" });
  });

  it("says what a duration looks like when it is not one", () => {
    expect(readDuration("soon", DURATION_RANGES.grace)).toEqual({ problem: `"soon" is not a duration (like 500ms, 5s, 1m)`, reason: "malformed" });
  });
});

describe("formatDuration", () => {
  it("writes a whole number of the largest unit that fits exactly", () => {
    expect([0, 100, 1000, 90_000, 600_000, 86_400_000 * 365, 1500].map(formatDuration)).toEqual(["0s", "100ms", "1s", "90s", "10m", "365d", "1500ms"]);
  });
});
