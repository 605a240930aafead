import { PassThrough } from "node:stream";
import { describe, expect, it, vi } from "vitest";
import { CliError } from "./exit-codes.js";
import { readPassword } from "./password.js";

function tty(): {
  stdin: NodeJS.ReadStream;
  stderr: NodeJS.WriteStream;
  typed: (text: string) => void;
  shown: () => string;
} {
  const input = new PassThrough();
  const stdin = Object.assign(input, { isTTY: true, setRawMode: vi.fn() }) as unknown as NodeJS.ReadStream;
  let shown = "";
  const output = new PassThrough();
  output.on("data", (chunk: Buffer) => {
    shown += chunk.toString();
  });
  return {
    stdin,
    stderr: output as unknown as NodeJS.WriteStream,
    typed: (text) => input.write(text),
    shown: () => shown,
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("readPassword", () => {
  it("takes --password as given", async () => {
    const io = tty();
    expect(await readPassword("s3cret", io, "adduser")).toBe("s3cret");
    expect(io.shown()).toBe("");
  });

  it("prompts twice on a terminal in raw mode, echoing nothing, with backspace", async () => {
    const io = tty();
    const password = readPassword(undefined, io, "adduser");
    await tick();
    io.typed("hunter3\u007f2\r");
    await tick();
    io.typed("hunter2\r");
    expect(await password).toBe("hunter2");
    expect(io.shown()).toBe("Password: \nRetype password: \n");
    expect(io.stdin.setRawMode).toHaveBeenCalledWith(true);
    expect(io.stdin.setRawMode).toHaveBeenLastCalledWith(false);
  });

  it("refuses two different passwords", async () => {
    const io = tty();
    const password = readPassword(undefined, io, "passwd");
    await tick();
    io.typed("one\r");
    await tick();
    io.typed("two\r");
    await expect(password).rejects.toThrow(/do not match/);
  });

  it("reads the first line of piped input, and refuses an empty one", async () => {
    const piped = new PassThrough();
    piped.end("from-a-pipe\nignored\n");
    const stderr = new PassThrough() as unknown as NodeJS.WriteStream;
    expect(
      await readPassword(undefined, { stdin: piped as unknown as NodeJS.ReadStream, stderr }, "adduser"),
    ).toBe("from-a-pipe");
    const empty = new PassThrough();
    empty.end("");
    await expect(
      readPassword(undefined, { stdin: empty as unknown as NodeJS.ReadStream, stderr }, "adduser"),
    ).rejects.toBeInstanceOf(CliError);
  });
});
