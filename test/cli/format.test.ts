import { expect, test } from "vitest";
import { isoTime } from "../../src/cli/format.ts";

test("isoTime is toISOString, to the millisecond, across days, years, leap days and before 1970", () => {
  const edges = [0, 1, -1, 999, 1000, 86_399_999, 86_400_000, -86_400_001, 951_782_400_000, 951_868_799_999, 253_402_300_799_999, -62_167_219_200_000];
  let seed = 7;
  const random = () => ((seed = (seed * 16_807) % 2_147_483_647) / 2_147_483_647);
  const samples = [...edges, ...Array.from({ length: 20_000 }, () => Math.floor((random() - 0.3) * 4e12))];
  const wrong = samples.filter((ms) => isoTime(ms) !== new Date(ms).toISOString());
  expect(wrong).toEqual([]);
});
