import type { Element } from "ltx";
import { type CapsHash, capsElement, capsVer } from "./caps.js";
import { clone } from "./clone.js";
import { buildInfoQuery } from "./info.js";
import { DEFAULT_CAPS_NODE } from "./namespaces.js";
import type { DiscoInfo, DiscoRegistry, InfoSource } from "./registry.js";

/** Options of {@link createHostInfoCache}. */
export interface HostInfoCacheOptions {
  /** The node of the `<c/>` element. Default `"http://prosody.im"`. */
  capsNode?: string;
}

interface Built {
  version: number;
  info: DiscoInfo;
  query: Element;
  vers: Map<CapsHash, string>;
  caps?: Element;
}

/**
 * A host's `disco#info` query and caps hash, built on first use and kept until the registry
 * changes (its `version` moves): rebuilt only when something was added or removed.
 */
export class HostInfoCache implements InfoSource {
  readonly registry: DiscoRegistry;
  readonly capsNode: string;
  #built: Built | undefined;
  #builds = 0;

  constructor(registry: DiscoRegistry, options: HostInfoCacheOptions = {}) {
    this.registry = registry;
    this.capsNode = options.capsNode ?? DEFAULT_CAPS_NODE;
  }

  /** The registry's version. */
  get version(): number {
    return this.registry.version;
  }

  /** How many times the query was built: for tests and metrics. */
  get builds(): number {
    return this.#builds;
  }

  #current(): Built {
    const version = this.registry.version;
    if (this.#built?.version !== version) {
      const info = this.registry.info();
      this.#built = { version, info, query: buildInfoQuery(info), vers: new Map() };
      this.#builds++;
    }
    return this.#built;
  }

  /** The cached `<query/>`. Shared: copy it before changing it ({@link hostInfo} does). */
  infoQuery(): Element {
    return this.#current().query;
  }

  /** The cached XEP-0115 `ver` of the query. */
  capsVer(hash: CapsHash = "sha-1"): string {
    const built = this.#current();
    let ver = built.vers.get(hash);
    if (ver === undefined) {
      const { identities, features, extensions } = built.info;
      ver = capsVer(identities, features, extensions, hash);
      built.vers.set(hash, ver);
    }
    return ver;
  }

  /** A fresh copy of the sha-1 `<c/>` stream feature, for c2s `stream-features` (and s2s). */
  capsElement(): Element {
    const built = this.#current();
    built.caps ??= capsElement(this.capsVer(), { node: this.capsNode });
    return clone(built.caps);
  }

  /** Drops the cached query now; the next read rebuilds it. */
  invalidate(): void {
    this.#built = undefined;
  }
}

/** A cache over `registry`. */
export function createHostInfoCache(registry: DiscoRegistry, options?: HostInfoCacheOptions): HostInfoCache {
  return new HostInfoCache(registry, options);
}
