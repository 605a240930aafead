// What the in-process CLI tests share: standard streams that record, and temporary folders.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach } from "vitest";

/** Standard streams for `main()`: `input` on stdin, and what it wrote to stdout and stderr. */
export function io(input = "") {
  const stdin = new PassThrough() as unknown as NodeJS.ReadStream;
  (stdin as unknown as PassThrough).end(input);
  let out = "";
  let err = "";
  const stdout = new PassThrough();
  stdout.on("data", (c: Buffer) => {
    out += c.toString();
  });
  const stderr = new PassThrough() as unknown as NodeJS.WriteStream;
  (stderr as unknown as PassThrough).on("data", (c: Buffer) => {
    err += c.toString();
  });
  return { io: { stdin, stdout, stderr }, out: () => out, err: () => err };
}

/** A maker of temporary folders, each removed after its test. Call it at a test file's top. */
export function tempFolders(prefix: string): () => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
}
