import { DEFAULT_YOUNG_GENERATION_MIB } from "canto/young-generation";
import { describe, expect, it } from "vitest";
import { youngGenerationOption } from "./gc-option.js";

describe("youngGenerationOption", () => {
  it("defaults to the cap when gc or its key is absent", () => {
    expect(youngGenerationOption(undefined)).toBe(DEFAULT_YOUNG_GENERATION_MIB);
    expect(youngGenerationOption({ mode: "generational" })).toBe(DEFAULT_YOUNG_GENERATION_MIB);
  });

  it("reads MiB, and false or 0 for V8's own policy", () => {
    expect(youngGenerationOption({ young_generation: 8 })).toBe(8);
    expect(youngGenerationOption({ young_generation: false })).toBeUndefined();
    expect(youngGenerationOption({ young_generation: 0 })).toBeUndefined();
  });

  it("names what is wrong with a bad value", () => {
    expect(youngGenerationOption("big")).toEqual({
      error: 'should be a table such as { young_generation = 16 }, got "big"',
    });
    for (const bad of [-1, 1.5, "16", 4096, true])
      expect(youngGenerationOption({ young_generation: bad })).toEqual({
        error: `has young_generation ${JSON.stringify(bad)}; it should be a whole number of MiB from 1 to 1024, or false`,
      });
  });
});
