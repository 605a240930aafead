import { parse } from "ltx";
import SaxLtxModule from "ltx/src/parsers/ltx.js";
import { bench, describe } from "vitest";
import { chatStanzas, STREAM_HEADER } from "./chat-stream.test-helper.js";
import { StreamParser } from "./parser.js";

// About 300 KB of chat traffic, framed from 4 KiB reads (a typical socket read size).
const stanzas = chatStanzas(300_000);
const bytes = Buffer.from(`${STREAM_HEADER}${stanzas.join("\n")}</stream:stream>`);
const chunks: Buffer[] = [];
for (let i = 0; i < bytes.length; i += 4096) chunks.push(bytes.subarray(i, i + 4096));
const MB = bytes.length / 1e6;
console.log(
  `framing benchmark: ${stanzas.length} stanzas, ${bytes.length} bytes (${MB.toFixed(3)} MB) per iteration`,
);

// @types/ltx types this ES module as CommonJS; at run time the default export is the class.
const SaxLtx = ((SaxLtxModule as { default?: unknown }).default ?? SaxLtxModule) as new () => {
  on(event: "startElement", listener: () => void): void;
  write(chunk: Buffer): void;
};

// Results go somewhere observable so that the work cannot be optimised away.
const sink = { n: 0 };

describe(`framing ${bytes.length} bytes of chat`, () => {
  bench("StreamParser (framing, 4 KiB chunks)", () => {
    const parser = new StreamParser({
      stanza: (el) => {
        sink.n += el.children.length;
      },
    });
    for (const chunk of chunks) parser.write(chunk);
    if (parser.failed) throw new Error("benchmark stream did not parse");
  });

  bench("ltx.parse of each stanza, one by one", () => {
    for (const s of stanzas) sink.n += parse(s).children.length;
  });

  bench("ltx SAX parser events only, no elements (4 KiB chunks)", () => {
    const sax = new SaxLtx();
    sax.on("startElement", () => {
      sink.n++;
    });
    for (const chunk of chunks) sax.write(chunk);
  });
});
