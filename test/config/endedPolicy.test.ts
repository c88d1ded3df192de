import { expect, test } from "vitest";
import { policySchema } from "../../src/config/policies.ts";

const parse = (policy: unknown) => policySchema.safeParse(policy);
const issues = (policy: unknown) => {
  const r = parse(policy);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

test("when.ended takes true or a list of end states", () => {
  expect(parse({ name: "done", when: { ended: true }, do: ["notify"] }).success).toBe(true);
  expect(parse({ name: "bad-end", when: { ended: ["failed", "killed"] }, do: ["notify"] }).success).toBe(true);
  expect(issues({ name: "x", when: { ended: ["finished"] }, do: ["notify"] })[0]).toMatch(/^when\.ended/);
  expect(issues({ name: "x", when: { ended: [] }, do: ["notify"] })[0]).toMatch(/^when\.ended/);
  expect(issues({ name: "x", when: { ended: false }, do: ["notify"] })[0]).toMatch(/^when\.ended/);
});

test("an ended policy cannot repeat: a job ends once", () => {
  expect(issues({ name: "x", when: { ended: true }, repeat: "1m", do: ["notify"] })).toEqual(["repeat: a job ends once: repeat cannot be used with when.ended"]);
});
