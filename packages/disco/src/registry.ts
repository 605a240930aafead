import { Element } from "ltx";
import { type CapsHash, capsVer } from "./caps.js";
import { DiscoError } from "./errors.js";
import { buildForm, type FormInput, formTypeOf, isForm } from "./forms.js";
import { buildInfoQuery } from "./info.js";
import { NS_DISCO_INFO, NS_DISCO_ITEMS } from "./namespaces.js";

/** An XEP-0030 identity. `lang` is written as the `xml:lang` attribute. */
export interface Identity {
  category: string;
  type: string;
  name?: string;
  lang?: string;
}

/** An XEP-0128 extension: a data form element, or a description that {@link buildForm} turns into one. */
export type Extension = Element | FormInput;

/** What changed in a registry; listeners get one per successful add or remove. */
export type DiscoChange =
  | { op: "added" | "removed"; kind: "feature"; item: string }
  | { op: "added" | "removed"; kind: "identity"; item: Identity }
  | { op: "added" | "removed"; kind: "extension"; item: Extension };

export type DiscoChangeListener = (change: DiscoChange) => void;

/** The de-duplicated contents of a registry, in the order they were first added. */
export interface DiscoInfo {
  identities: Identity[];
  features: string[];
  extensions: Element[];
}

/** Something that can answer a host `disco#info`: a registry (always fresh) or a cache of one. */
export interface InfoSource {
  /** The `<query xmlns="disco#info"/>` with every identity, feature and extension. Do not mutate. */
  infoQuery(): Element;
  /** The XEP-0115 `ver` of that query. */
  capsVer(hash?: CapsHash): string;
  /** Increases on every change; a cache compares it to know when to rebuild. */
  readonly version: number;
  /** The caps node the source advertises, if it has one. */
  readonly capsNode?: string;
}

interface ExtensionEntry {
  source: Extension;
  element: Element;
}

function checkText(value: unknown, what: string, code: "bad-identity" | "bad-feature"): string {
  if (typeof value !== "string" || value === "") {
    throw new DiscoError(code, `${what} must be a non-empty string, got ${JSON.stringify(value)}`);
  }
  return value;
}

function checkIdentity(identity: Identity): Identity {
  if (typeof identity !== "object" || identity === null) {
    throw new DiscoError("bad-identity", "identity must be an object");
  }
  const out: Identity = {
    category: checkText(identity.category, "identity category", "bad-identity"),
    type: checkText(identity.type, "identity type", "bad-identity"),
  };
  for (const key of ["name", "lang"] as const) {
    const v = identity[key];
    if (v === undefined) continue;
    if (typeof v !== "string") throw new DiscoError("bad-identity", `identity ${key} must be a string`);
    out[key] = v;
  }
  return out;
}

function sameIdentity(a: Identity, b: Identity): boolean {
  return a.category === b.category && a.type === b.type && a.name === b.name && a.lang === b.lang;
}

/**
 * The features, identities and extensions of one host (or one account, or one node). Entries are a
 * list, as Prosody's host items are: adding twice and removing once keeps the entry, so two modules
 * can advertise the same feature independently. Reads are de-duplicated.
 */
export class DiscoRegistry implements InfoSource {
  #features: string[] = [];
  #identities: Identity[] = [];
  #extensions: ExtensionEntry[] = [];
  #listeners = new Set<DiscoChangeListener>();
  #version = 0;

  /** Increases by one on every add and every remove that removed something. */
  get version(): number {
    return this.#version;
  }

  #changed(change: DiscoChange): void {
    this.#version++;
    let failure: unknown;
    let failed = false;
    for (const listener of [...this.#listeners]) {
      try {
        listener(change);
      } catch (err) {
        if (!failed) failure = err;
        failed = true;
      }
    }
    if (failed) throw failure;
  }

  /** Calls `listener` after every change. Returns a function that stops it. */
  onChange(listener: DiscoChangeListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Adds a feature (`var`). Throws `DiscoError` `bad-feature` unless it is a non-empty string. */
  addFeature(feature: string): void {
    this.#features.push(checkText(feature, "feature", "bad-feature"));
    this.#changed({ op: "added", kind: "feature", item: feature });
  }

  /** Removes the last entry for `feature`. Returns whether there was one. */
  removeFeature(feature: string): boolean {
    const i = this.#features.lastIndexOf(feature);
    if (i < 0) return false;
    this.#features.splice(i, 1);
    this.#changed({ op: "removed", kind: "feature", item: feature });
    return true;
  }

  /**
   * Adds an identity: `addIdentity("server", "im", "Canto")` (Prosody's argument order, then
   * `lang`) or `addIdentity({ category, type, name, lang })`. Throws `DiscoError` `bad-identity`
   * when category or type is missing or empty.
   */
  addIdentity(identity: Identity): Identity;
  addIdentity(category: string, type: string, name?: string, lang?: string): Identity;
  addIdentity(first: Identity | string, type?: string, name?: string, lang?: string): Identity {
    const identity = checkIdentity(
      typeof first === "string" ? { category: first, type: type as string, name, lang } : first,
    );
    this.#identities.push(identity);
    this.#changed({ op: "added", kind: "identity", item: identity });
    return identity;
  }

  /** Removes the last identity equal to this one (all four fields). Returns whether there was one. */
  removeIdentity(identity: Identity): boolean;
  removeIdentity(category: string, type: string, name?: string, lang?: string): boolean;
  removeIdentity(first: Identity | string, type?: string, name?: string, lang?: string): boolean {
    const wanted: Identity = typeof first === "string" ? { category: first, type: type as string } : first;
    if (typeof first === "string") {
      if (name !== undefined) wanted.name = name;
      if (lang !== undefined) wanted.lang = lang;
    }
    for (let i = this.#identities.length - 1; i >= 0; i--) {
      const found = this.#identities[i]!;
      if (sameIdentity(found, wanted)) {
        this.#identities.splice(i, 1);
        this.#changed({ op: "removed", kind: "identity", item: found });
        return true;
      }
    }
    return false;
  }

  /**
   * Adds an XEP-0128 extension: a `<x xmlns="jabber:x:data"/>` element or a form description. The
   * element is kept by reference: to change it, remove it and add the new one. Throws `DiscoError`
   * `bad-extension` for an element that is not a data form (`bad-form` for a bad description).
   */
  addExtension(extension: Extension): void {
    let element: Element;
    if (extension instanceof Element) {
      if (!isForm(extension)) {
        throw new DiscoError(
          "bad-extension",
          `an extension must be a jabber:x:data form, got <${extension.name}/>`,
        );
      }
      element = extension;
    } else if (typeof extension === "object" && extension !== null) {
      element = buildForm(extension);
    } else {
      throw new DiscoError("bad-extension", "an extension must be a form element or a form description");
    }
    this.#extensions.push({ source: extension, element });
    this.#changed({ op: "added", kind: "extension", item: extension });
  }

  /** Removes the last entry added with this very object. Returns whether there was one. */
  removeExtension(extension: Extension): boolean {
    for (let i = this.#extensions.length - 1; i >= 0; i--) {
      if (this.#extensions[i]!.source === extension) {
        this.#extensions.splice(i, 1);
        this.#changed({ op: "removed", kind: "extension", item: extension });
        return true;
      }
    }
    return false;
  }

  /** Features, each once, in the order first added. */
  features(): string[] {
    return [...new Set(this.#features)];
  }

  /** Identities, one per (category, type, xml:lang): the first added wins. */
  identities(): Identity[] {
    const seen = new Set<string>();
    const out: Identity[] = [];
    for (const identity of this.#identities) {
      const key = `${identity.category}\0${identity.type}\0${identity.lang ?? ""}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(identity);
    }
    return out;
  }

  /** Extension elements, each object once and one per `FORM_TYPE`: the first added wins. */
  extensions(): Element[] {
    const seen = new Set<Element>();
    const formTypes = new Set<string>();
    const out: Element[] = [];
    for (const { element } of this.#extensions) {
      if (seen.has(element)) continue;
      seen.add(element);
      const formType = formTypeOf(element);
      if (formType !== undefined) {
        if (formTypes.has(formType)) continue;
        formTypes.add(formType);
      }
      out.push(element);
    }
    return out;
  }

  /** All three lists, de-duplicated. */
  info(): DiscoInfo {
    return { identities: this.identities(), features: this.features(), extensions: this.extensions() };
  }

  /** Builds the `disco#info` `<query/>` afresh. */
  infoQuery(): Element {
    return buildInfoQuery(this.info());
  }

  /** Computes the XEP-0115 `ver` afresh. */
  capsVer(hash: CapsHash = "sha-1"): string {
    const { identities, features, extensions } = this.info();
    return capsVer(identities, features, extensions, hash);
  }
}

/** A new, empty registry. */
export function createDiscoRegistry(): DiscoRegistry {
  return new DiscoRegistry();
}

/** Options of {@link addDiscoDefaults}. */
export interface DiscoDefaultsOptions {
  /** `"local"` for a VirtualHost (gets the `server/im` identity), `"component"` otherwise. */
  hostType: "local" | "component";
  /** The `server/im` identity's name: the host's `name` option. Defaults to `"Prosody"`, as Prosody's. */
  name?: string;
}

/**
 * What Prosody's mod_disco adds to every host: the `disco#info` and `disco#items` features, and on
 * a local host the identity `server/im`. Returns a function that removes them again.
 */
export function addDiscoDefaults(registry: DiscoRegistry, options: DiscoDefaultsOptions): () => void {
  const identity =
    options.hostType === "local"
      ? registry.addIdentity("server", "im", options.name ?? "Prosody")
      : undefined;
  registry.addFeature(NS_DISCO_INFO);
  registry.addFeature(NS_DISCO_ITEMS);
  return () => {
    if (identity) registry.removeIdentity(identity);
    registry.removeFeature(NS_DISCO_INFO);
    registry.removeFeature(NS_DISCO_ITEMS);
  };
}
