import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { type Readable, Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";

/** Why a file could not be stored or read, with a stable code. */
export type FileStoreErrorCode =
  | "invalid-file-id"
  | "file-exists"
  | "file-busy"
  | "file-too-large"
  | "file-incomplete";

export class FileStoreError extends Error {
  constructor(
    readonly code: FileStoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "FileStoreError";
  }
}

/** What is known of a stored file. */
export interface StoredFile {
  size: number;
  modified: Date;
}

/** An inclusive byte range, as HTTP's `Range: bytes=start-end`. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Where shared files live. Ids are the slot ids (`[A-Za-z0-9_-]`, checked by every method), so no
 * id names anything outside the store. A disk store comes with Canto; an object store can follow.
 */
export interface FileStore {
  /**
   * Streams `source` into the file `id`, which must not exist yet, and resolves once exactly
   * `size` bytes were written and the file is visible as a whole. Rejects with `FileStoreError`
   * (`file-exists`, `file-busy` while another upload of `id` runs, `file-too-large`,
   * `file-incomplete`) or the source's error, and then leaves nothing behind.
   */
  put(id: string, source: Readable, size: number): Promise<void>;
  /** The file's size and time, or `undefined` when there is none (yet). */
  stat(id: string): Promise<StoredFile | undefined>;
  /** The file's bytes, or those of `range`. */
  read(id: string, range?: ByteRange): Readable;
  /** Removes the file; resolves `false` when there was none. */
  delete(id: string): Promise<boolean>;
}

const ID = /^[A-Za-z0-9_-]{1,128}$/;

export function checkFileId(id: string): void {
  if (!ID.test(id)) throw new FileStoreError("invalid-file-id", `not a file id: ${JSON.stringify(id)}`);
}

/** Counts bytes on their way through and fails as soon as there are more than `limit`. */
class Limit extends Transform {
  count = 0;
  constructor(readonly limit: number) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.count += chunk.length;
    if (this.count > this.limit) {
      done(new FileStoreError("file-too-large", `more than the ${this.limit} bytes announced`));
      return;
    }
    done(null, chunk);
  }
}

const isCode = (error: unknown, code: string) => (error as NodeJS.ErrnoException | null)?.code === code;

/**
 * Files in one folder, `<dir>/<id>`. An upload is written to `<id>.part` (created exclusively, so
 * a second concurrent upload of the same id fails) and renamed when complete: a reader sees the
 * whole file or none.
 */
export class DiskFileStore implements FileStore {
  readonly #ready: Promise<unknown>;
  constructor(readonly dir: string) {
    this.#ready = mkdir(dir, { recursive: true });
  }

  #path(id: string): string {
    checkFileId(id);
    return join(this.dir, id);
  }

  async put(id: string, source: Readable, size: number): Promise<void> {
    const path = this.#path(id);
    // Until the pipeline listens, a failing source (a client gone) must not go unhandled.
    const ignore = () => undefined;
    source.on("error", ignore);
    try {
      await this.#put(id, path, source, size);
    } finally {
      source.off("error", ignore);
    }
  }

  async #put(id: string, path: string, source: Readable, size: number): Promise<void> {
    await this.#ready;
    if ((await this.stat(id)) !== undefined) {
      throw new FileStoreError("file-exists", `file ${id} was already uploaded`);
    }
    const part = `${path}.part`;
    const out = createWriteStream(part, { flags: "wx" });
    const opened = new Promise<void>((resolve, reject) => {
      out.once("open", () => resolve());
      out.once("error", reject);
    });
    try {
      await opened;
    } catch (error) {
      source.resume();
      if (isCode(error, "EEXIST")) throw new FileStoreError("file-busy", `file ${id} is being uploaded`);
      throw error;
    }
    const limit = new Limit(size);
    try {
      await pipeline(source, limit, out);
      if (limit.count !== size) {
        throw new FileStoreError("file-incomplete", `got ${limit.count} of the ${size} bytes announced`);
      }
      await rename(part, path);
    } catch (error) {
      await unlink(part).catch(() => undefined);
      throw error;
    }
  }

  async stat(id: string): Promise<StoredFile | undefined> {
    const path = this.#path(id);
    try {
      const info = await stat(path);
      return info.isFile() ? { size: info.size, modified: info.mtime } : undefined;
    } catch (error) {
      if (isCode(error, "ENOENT")) return undefined;
      throw error;
    }
  }

  read(id: string, range?: ByteRange): Readable {
    return createReadStream(this.#path(id), range);
  }

  async delete(id: string): Promise<boolean> {
    const path = this.#path(id);
    // A crash mid-upload leaves a part file behind; it goes with its slot.
    await unlink(`${path}.part`).catch(() => undefined);
    try {
      await unlink(path);
      return true;
    } catch (error) {
      if (isCode(error, "ENOENT")) return false;
      throw error;
    }
  }
}
