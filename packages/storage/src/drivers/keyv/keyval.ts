import type { Keyv } from "keyv";
import { decodeJson, encodeJson } from "../../codec.js";
import { UnsupportedStoreError } from "../../errors.js";
import type { Document, KeyvalStore, User } from "../../types.js";
import { asStorageError, type Lifecycle } from "../../util/lifecycle.js";
import { validateUser } from "../../validate.js";

/**
 * The Keyv key of a user: URI-encoded, so it never holds a `:` (Keyv's namespace separator) and
 * never collides with another user's prefixed key. Host-level data (`user === undefined`) uses "".
 */
export function keyvKey(user: User): string {
  return user === undefined ? "" : encodeURIComponent(user);
}

/** A keyval store over one Keyv instance (one namespace, one adapter). */
export class KeyvKeyvalStore implements KeyvalStore {
  constructor(
    readonly keyv: Keyv<string>,
    readonly driverName: string,
    private readonly life: Lifecycle,
    private readonly maxValueSize: number,
  ) {}

  async get(user: User): Promise<Document | undefined> {
    this.life.check();
    const key = keyvKey(validateUser(user));
    let text: string | undefined;
    try {
      text = await this.keyv.get(key);
    } catch (err) {
      throw asStorageError(err, "keyval get");
    }
    return text === undefined ? undefined : decodeJson(text);
  }

  async set(user: User, value: Document | undefined): Promise<true> {
    this.life.check();
    const key = keyvKey(validateUser(user));
    try {
      if (value === undefined) {
        await this.keyv.delete(key);
      } else {
        const text = encodeJson(value, this.maxValueSize);
        this.life.check();
        await this.keyv.set(key, text);
      }
    } catch (err) {
      throw asStorageError(err, "keyval set");
    }
    return true;
  }

  async *users(): AsyncIterable<string> {
    for await (const [user] of this.entries()) yield user;
  }

  /** Every user's document, in one pass over the namespace (used by the map shim's getAll). */
  async *entries(): AsyncIterable<[string, Document]> {
    this.life.check();
    const iterator = this.keyv.iterator;
    if (typeof iterator !== "function") throw new UnsupportedStoreError(this.driverName, "iterable keyval");
    try {
      for await (const [key, text] of iterator.call(this.keyv, undefined) as AsyncIterable<
        [string, unknown]
      >) {
        if (key !== "" && typeof text === "string") yield [decodeURIComponent(key), decodeJson(text)];
      }
    } catch (err) {
      throw asStorageError(err, "keyval users");
    }
  }
}
