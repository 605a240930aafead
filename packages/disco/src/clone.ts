import { Element } from "ltx";

/** A deep copy of an element (text children are strings, copied as they are). */
export function clone(el: Element): Element {
  const copy = new Element(el.name, el.attrs);
  for (const child of el.children) {
    copy.cnode(typeof child === "string" ? child : clone(child));
  }
  return copy;
}
