import { createHash } from "node:crypto";
import { Element } from "ltx";
import { DiscoError } from "./errors.js";
import { buildForm, type FormInput, formTypeOf, isForm } from "./forms.js";
import { DEFAULT_CAPS_NODE, NS_CAPS } from "./namespaces.js";
import type { Identity } from "./registry.js";

/** Hash functions XEP-0115 may name in `hash` (IANA names), with node:crypto's name for each. */
const HASHES: Readonly<Record<string, string>> = {
  "sha-1": "sha1",
  "sha-224": "sha224",
  "sha-256": "sha256",
  "sha-384": "sha384",
  "sha-512": "sha512",
  md5: "md5",
};

/** A hash name from the IANA registry that XEP-0115 uses; `"sha-1"` is the one everyone supports. */
export type CapsHash = "sha-1" | "sha-224" | "sha-256" | "sha-384" | "sha-512" | "md5";

/**
 * Compares two strings by Unicode code point, which is the byte order of their UTF-8 encodings
 * (XEP-0115 asks for the "i;octet" collation). Plain `<` compares UTF-16 code units, which puts
 * characters above U+FFFF before U+E000..U+FFFF.
 */
export function compareOctets(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      // Move surrogates (code points above U+FFFF) after U+E000..U+FFFF.
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

function compareIdentities(a: Identity, b: Identity): number {
  return (
    compareOctets(a.category, b.category) ||
    compareOctets(a.type, b.type) ||
    compareOctets(a.lang ?? "", b.lang ?? "") ||
    compareOctets(a.name ?? "", b.name ?? "")
  );
}

interface FormForHash {
  formType: string;
  text: string;
}

/** The part of S one extension form contributes, or `undefined` for a form XEP-0115 ignores. */
function formForHash(form: Element): FormForHash | undefined {
  if (!isForm(form)) return undefined;
  const formType = formTypeOf(form);
  if (formType === undefined) return undefined;
  const fields: { name: string; values: string[] }[] = [];
  for (const field of form.getChildren("field")) {
    const name: unknown = field.attrs.var;
    if (typeof name !== "string" || name === "FORM_TYPE") continue;
    const values = field.getChildren("value").map((v) => v.getText());
    fields.push({ name, values: values.sort(compareOctets) });
  }
  fields.sort((a, b) => compareOctets(a.name, b.name));
  let text = formType + "<";
  for (const field of fields) {
    text += field.name + "<";
    for (const value of field.values) text += value + "<";
  }
  return { formType, text };
}

/**
 * The XEP-0115 §5.1 verification string S, before hashing: identities as
 * `category/type/lang/name<` sorted, features sorted, then extension forms sorted by `FORM_TYPE`,
 * each as `FORM_TYPE<` and its fields sorted by `var` with their sorted values. Forms without a
 * hidden `FORM_TYPE` field are left out, as XEP-0115 §5.4 says.
 */
export function capsString(
  identities: readonly Identity[],
  features: readonly string[],
  forms: readonly (Element | FormInput)[] = [],
): string {
  let s = "";
  for (const id of [...identities].sort(compareIdentities)) {
    s += `${id.category}/${id.type}/${id.lang ?? ""}/${id.name ?? ""}<`;
  }
  for (const feature of [...features].sort(compareOctets)) s += feature + "<";
  const hashed: FormForHash[] = [];
  for (const form of forms) {
    const part = formForHash(form instanceof Element ? form : buildForm(form));
    if (part) hashed.push(part);
  }
  hashed.sort((a, b) => compareOctets(a.formType, b.formType) || compareOctets(a.text, b.text));
  for (const part of hashed) s += part.text;
  return s;
}

/** Hashes a verification string with `hash` and encodes it in base64. */
export function hashCapsString(s: string, hash: CapsHash = "sha-1"): string {
  const algorithm = HASHES[hash];
  if (algorithm === undefined)
    throw new DiscoError("unknown-hash", `unknown caps hash ${JSON.stringify(hash)}`);
  return createHash(algorithm).update(s, "utf8").digest("base64");
}

/** The XEP-0115 `ver` for identities, features and extension forms (sha-1, base64, by default). */
export function capsVer(
  identities: readonly Identity[],
  features: readonly string[],
  forms: readonly (Element | FormInput)[] = [],
  hash: CapsHash = "sha-1",
): string {
  return hashCapsString(capsString(identities, features, forms), hash);
}

/** Reads the identities, features and forms of a `disco#info` `<query/>` element. */
export function readInfoQuery(query: Element): {
  identities: Identity[];
  features: string[];
  forms: Element[];
} {
  const identities: Identity[] = [];
  const features: string[] = [];
  const forms: Element[] = [];
  for (const child of query.getChildElements()) {
    if (child.name === "identity") {
      const a = child.attrs as Record<string, string | undefined>;
      const id: Identity = { category: a.category ?? "", type: a.type ?? "" };
      if (a.name !== undefined) id.name = a.name;
      if (a["xml:lang"] !== undefined) id.lang = a["xml:lang"];
      identities.push(id);
    } else if (child.name === "feature") {
      features.push(String(child.attrs.var ?? ""));
    } else if (isForm(child)) {
      forms.push(child);
    }
  }
  return { identities, features, forms };
}

/** The XEP-0115 `ver` of a `disco#info` `<query/>` element, e.g. one received from a peer. */
export function capsVerOfQuery(query: Element, hash: CapsHash = "sha-1"): string {
  if (query.name !== "query") throw new DiscoError("bad-query", `expected <query/>, got <${query.name}/>`);
  const { identities, features, forms } = readInfoQuery(query);
  return capsVer(identities, features, forms, hash);
}

/** Options of {@link capsElement}. */
export interface CapsElementOptions {
  /** The software's URI; defaults to `"http://prosody.im"`, as Prosody advertises. */
  node?: string;
  hash?: CapsHash;
}

/** `<c xmlns="http://jabber.org/protocol/caps" hash="sha-1" node="..." ver="..."/>`. */
export function capsElement(ver: string, options: CapsElementOptions = {}): Element {
  return new Element("c", {
    xmlns: NS_CAPS,
    hash: options.hash ?? "sha-1",
    node: options.node ?? DEFAULT_CAPS_NODE,
    ver,
  });
}
