import { describe, expect, it } from "vitest";
import { hostFromHeader } from "./http.js";
import { compileApp, HttpRouteError, matchRoute, normalizeBasePath } from "./routes.js";

const h = () => undefined;

describe("route tables", () => {
  it("normalises base paths to a leading slash and no trailing slash", () => {
    expect(normalizeBasePath("files/")).toBe("/files");
    expect(normalizeBasePath("/a/b//")).toBe("/a/b");
    expect(normalizeBasePath("/")).toBe("");
  });

  it("prefers an exact path, then the longest wildcard; any-method routes after the method's own", () => {
    const wide = compileApp({ name: "wide", route: { "GET /*": h, "/x/*": h } }, "/app");
    const narrow = compileApp({ name: "narrow", route: { "GET /x/y/*": h, "GET /x/exact": h } }, "/app");
    const apps = [wide, narrow];
    const exact = matchRoute(apps, "GET", "/app/x/exact");
    expect(exact.kind === "found" && exact.app.name).toBe("narrow");
    const deep = matchRoute(apps, "GET", "/app/x/y/z");
    expect(deep.kind === "found" && deep.rest).toBe("z");
    const anyMethod = matchRoute(apps, "DELETE", "/app/x/q");
    expect(anyMethod.kind === "found" && anyMethod.route.method).toBe(undefined);
    const fallback = matchRoute(apps, "GET", "/app/other");
    expect(fallback.kind === "found" && fallback.rest).toBe("other");
    expect(matchRoute(apps, "GET", "/elsewhere")).toEqual({ kind: "not-found" });
  });

  it("serves a root app (base path /) with a bare method key", () => {
    const root = compileApp({ name: "root", route: { GET: h } }, normalizeBasePath("/"));
    expect(matchRoute([root], "GET", "/").kind).toBe("found");
  });

  it("rejects malformed keys and handlers with a clear error", () => {
    const bad = (route: Record<string, unknown>) => () => compileApp({ name: "bad", route }, "/bad");
    expect(bad({ "GET /a*": h })).toThrow(/\* may only end the path/);
    expect(bad({ "GET nope": h })).toThrow(/must start with \//);
    expect(bad({ "GET /a": "not a function" })).toThrow(/no handler function/);
    expect(() => compileApp({ name: "x" }, "/x")).toThrow(HttpRouteError);
    try {
      bad({ "get /": h })();
    } catch (error) {
      expect((error as HttpRouteError).code).toBe("invalid-http-route");
    }
  });

  it("reads host names from Host headers, with ports and IPv6 literals", () => {
    expect(hostFromHeader("Example.COM:5280")).toBe("example.com");
    expect(hostFromHeader("[::1]:5280")).toBe("::1");
    expect(hostFromHeader("localhost")).toBe("localhost");
    expect(hostFromHeader(undefined)).toBe(undefined);
    expect(hostFromHeader("a b")).toBe(undefined);
    expect(hostFromHeader("user@host")).toBe(undefined);
  });
});
