import { expect, it } from "vitest";
import { jsonErrorOffset } from "./json-position.js";

it.each([
  ['{"a": [1, 2.5e3, true, false, null, "x\\"y"]}', undefined],
  ["{}", undefined],
  ['{"a": }', 6],
  ['{"a": 1,}', 8],
  ["[1 2]", 3],
  ['{"a": tru}', 6],
  ['"open', 5],
  ["{} x", 3],
])("%j → %s", (text, offset) => {
  expect(jsonErrorOffset(text)).toBe(offset);
});
