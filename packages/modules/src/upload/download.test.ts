import { describe, expect, it } from "vitest";
import { contentDisposition, parseRange } from "./download.js";

const SAFE = new Set(["image/*", "text/plain"]);

describe("contentDisposition", () => {
  it("is inline for safe types and attachment otherwise", () => {
    expect(contentDisposition("a.png", "image/png", SAFE)).toMatch(/^inline;/);
    expect(contentDisposition("a.html", "text/html", SAFE)).toMatch(/^attachment;/);
  });

  it("escapes quotes, backslashes, control and non-ASCII characters", () => {
    const header = contentDisposition('bad"\\name\r\n\u00e9t\u00e9.txt', "text/plain", SAFE);
    expect(header).toBe(
      "inline; filename=\"bad__name___t_.txt\"; filename*=UTF-8''bad%22%5Cname%0D%0A%C3%A9t%C3%A9.txt",
    );
    expect(header).not.toMatch(/[\r\n]/);
  });
});

describe("parseRange", () => {
  it("reads one byte range, open and suffix ranges", () => {
    expect(parseRange("bytes=0-9", 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange("bytes=90-", 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange("bytes=-10", 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange("bytes=95-200", 100)).toEqual({ start: 95, end: 99 });
  });

  it("ignores what it does not serve and refuses ranges past the end", () => {
    expect(parseRange(undefined, 100)).toBeUndefined();
    expect(parseRange("bytes=0-1,5-6", 100)).toBeUndefined();
    expect(parseRange("items=0-1", 100)).toBeUndefined();
    expect(parseRange("bytes=100-", 100)).toBe("unsatisfiable");
    expect(parseRange("bytes=5-2", 100)).toBe("unsatisfiable");
  });
});
