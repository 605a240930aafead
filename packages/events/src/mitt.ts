import * as mittModule from "mitt";

type Mitt = typeof import("mitt").default;

// Under NodeNext, TypeScript reads mitt's typings as CommonJS and puts the factory at
// `.default.default`, while at run time the ESM build (and Node's CommonJS interop) exposes it at
// `.default`. Take whichever one is callable.
const candidate: unknown = mittModule.default;

export const mitt = (
  typeof candidate === "function" ? candidate : (candidate as { default: unknown }).default
) as Mitt;
