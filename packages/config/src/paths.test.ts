import { describe, expect, it } from "vitest";
import { globToRegExp, joinPath, resolveRelativePath } from "./paths.js";

// Ported from Prosody's spec/util_paths_spec.lua (POSIX separators).
describe("joinPath", () => {
  it("returns a single component as is", () => expect(joinPath("foo")).toBe("foo"));
  it("joins paths", () => expect(joinPath("foo", "bar")).toBe("foo/bar"));
  it("joins longer paths", () => expect(joinPath("foo", "bar", "baz", "moo")).toBe("foo/bar/baz/moo"));
});

describe("globToRegExp", () => {
  it("translates * and ? and escapes the rest", () => {
    const pattern = globToRegExp("thing?.*");
    expect(pattern.source).toBe("^thing.\\..*$");
    expect(pattern.test("thing1.cfg.lua")).toBe(true);
    expect(pattern.test("thing.cfg")).toBe(false);
    expect(pattern.test("thingsXcfg")).toBe(false);
  });
});

describe("resolveRelativePath", () => {
  it("returns absolute paths as is", () =>
    expect(resolveRelativePath("/run", "/tmp/path")).toBe("/tmp/path"));
  it("resolves relative paths", () => expect(resolveRelativePath("/run", "path")).toBe("/run/path"));
  it("strips trailing separators of the parent and a leading ./", () => {
    expect(resolveRelativePath("/run///", "./path")).toBe("/run/path");
    expect(resolveRelativePath("/", "path")).toBe("/path");
  });
});
