import type { Element } from "ltx";
import { describe, expectTypeOf, it } from "vitest";
import {
  type Awaitable,
  accountInfo,
  accountItems,
  capsVer,
  type DiscoError,
  type DiscoErrorCode,
  type Form,
  hostInfo,
  hostItems,
  type Identity,
  type NodeHandler,
  parseForm,
} from "./index.js";

describe("types", () => {
  it("host builders may be synchronous; account builders are always async", () => {
    expectTypeOf(hostInfo).returns.toEqualTypeOf<Awaitable<Element>>();
    expectTypeOf(hostItems).returns.toEqualTypeOf<Awaitable<Element>>();
    expectTypeOf(accountInfo).returns.toEqualTypeOf<Promise<Element | undefined>>();
    expectTypeOf(accountItems).returns.toEqualTypeOf<Promise<Element | undefined>>();
  });

  it("node handlers may answer sync or async, or say nothing", () => {
    expectTypeOf<() => undefined>().toExtend<NodeHandler>();
    expectTypeOf<() => { exists: true }>().toExtend<NodeHandler>();
    expectTypeOf<() => Promise<Element>>().toExtend<NodeHandler>();
  });

  it("errors carry a stable code; helpers have plain shapes", () => {
    expectTypeOf<DiscoError["code"]>().toEqualTypeOf<DiscoErrorCode>();
    expectTypeOf(capsVer).parameter(0).toEqualTypeOf<readonly Identity[]>();
    expectTypeOf(parseForm).returns.toEqualTypeOf<Form>();
  });
});
