import type { Element } from "ltx";
import type { StreamError } from "../errors.js";
import { StreamParser, type StreamParserOptions } from "./parser.js";

export type FramingEvent =
  | { kind: "start"; attrs: Record<string, string>; name: string }
  | { kind: "stanza"; stanza: Element }
  | { kind: "end" }
  | { kind: "error"; error: StreamError };

/** A parser that records what it emits, for tests and benchmarks. */
export function recorder(options?: StreamParserOptions): { parser: StreamParser; events: FramingEvent[] } {
  const events: FramingEvent[] = [];
  const parser = new StreamParser(
    {
      streamStart: (attrs, name) => events.push({ kind: "start", attrs, name }),
      stanza: (stanza) => events.push({ kind: "stanza", stanza }),
      streamEnd: () => events.push({ kind: "end" }),
      error: (error) => events.push({ kind: "error", error }),
    },
    options,
  );
  return { parser, events };
}

/** Feeds `input` in one piece and returns the events. */
export function parseAll(input: string | Uint8Array, options?: StreamParserOptions): FramingEvent[] {
  const { parser, events } = recorder(options);
  parser.write(input);
  return events;
}

export function stanzas(events: FramingEvent[]): string[] {
  return events.flatMap((e) => (e.kind === "stanza" ? [e.stanza.toString()] : []));
}

export function errorOf(events: FramingEvent[]): StreamError | undefined {
  for (const e of events) if (e.kind === "error") return e.error;
  return undefined;
}

export const HEADER =
  "<?xml version='1.0'?><stream:stream from='juliet@im.example.com' to='im.example.com' version='1.0' " +
  "xml:lang='en' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";
