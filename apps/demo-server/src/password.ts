import { CliError, EXIT } from "./exit-codes.js";

/** What reading a password needs: the process streams, injectable for tests. */
export interface PasswordIo {
  stdin: NodeJS.ReadStream;
  stderr: NodeJS.WriteStream;
}

/** Reads one line typed on a terminal without echoing it. */
function promptHidden(io: PasswordIo, prompt: string): Promise<string> {
  const { stdin, stderr } = io;
  return new Promise((resolve, reject) => {
    let typed = "";
    stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding("utf8");
    const done = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off("data", onData);
      stderr.write("\n");
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === "\r" || char === "\n") return done();
        if (char === "\u0003" || char === "\u0004") return done(new CliError(EXIT.failure, "cancelled"));
        if (char === "\u007f" || char === "\b") typed = typed.slice(0, -1);
        else typed += char;
      }
    };
    stdin.on("data", onData);
  });
}

/** The first line of piped standard input (so `echo secret | canto adduser ...` works). */
async function readPiped(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = "";
  for await (const chunk of stdin) {
    text += typeof chunk === "string" ? chunk : (chunk as Buffer).toString("utf8");
    const newline = text.search(/\r?\n/);
    if (newline >= 0) return text.slice(0, newline);
  }
  return text;
}

/**
 * The password of an account command: `--password` when given, else typed twice on a terminal
 * without echo, else the first line of standard input. An empty password is refused.
 */
export async function readPassword(
  given: string | undefined,
  io: PasswordIo,
  command: string,
): Promise<string> {
  let password: string;
  if (given !== undefined) password = given;
  else if (io.stdin.isTTY) {
    password = await promptHidden(io, "Password: ");
    const again = await promptHidden(io, "Retype password: ");
    if (again !== password) throw new CliError(EXIT.usage, `${command}: the passwords do not match`);
  } else password = await readPiped(io.stdin);
  if (password === "") throw new CliError(EXIT.usage, `${command}: the password is empty`);
  return password;
}
