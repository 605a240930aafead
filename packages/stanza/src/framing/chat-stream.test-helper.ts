/**
 * A synthetic but realistic client-to-server chat stream for the benchmark: the mix a busy client
 * sees (one-to-one and group messages with chat states and receipts, presence with entity caps,
 * roster pushes, pings, disco, MAM results), with varied body lengths and some non-ASCII text.
 */

export const STREAM_HEADER =
  "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' " +
  "from='example.com' id='c2s-7f3a' version='1.0' xml:lang='en'>";

const WORDS = [
  "hello",
  "there",
  "how",
  "are",
  "you",
  "today",
  "café",
  "naïve",
  "ok",
  "😀",
  "meeting",
  "at",
  "ten",
  "&amp;",
  "&lt;3",
];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

export function chatStanzas(targetBytes: number, seed = 42): string[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const users = ["juliet", "romeo", "nurse", "benvolio", "mercutio", "tybalt"];
  const jid = () => `${pick(users)}@example.com/${pick(["balcony", "orchard", "phone-3f9a", "laptop"])}`;
  const out: string[] = [];
  let size = 0;
  let n = 0;
  while (size < targetBytes) {
    n++;
    const id = `id-${n.toString(36)}`;
    const kind = r();
    let s: string;
    if (kind < 0.45) {
      const words = Array.from({ length: 1 + Math.floor(r() * 40) }, () => pick(WORDS)).join(" ");
      s =
        `<message from='${jid()}' to='juliet@example.com' id='${id}' type='chat' xml:lang='en'>` +
        `<body>${words}</body><active xmlns='http://jabber.org/protocol/chatstates'/>` +
        `<request xmlns='urn:xmpp:receipts'/><origin-id xmlns='urn:xmpp:sid:0' id='${id}-o'/></message>`;
    } else if (kind < 0.55) {
      s =
        `<message from='${jid()}' to='juliet@example.com' type='chat' id='${id}'>` +
        `<composing xmlns='http://jabber.org/protocol/chatstates'/><no-store xmlns='urn:xmpp:hints'/></message>`;
    } else if (kind < 0.62) {
      const words = Array.from({ length: 1 + Math.floor(r() * 20) }, () => pick(WORDS)).join(" ");
      s =
        `<message from='room@conference.example.com/${pick(users)}' to='juliet@example.com/balcony' type='groupchat' id='${id}'>` +
        `<body>${words}</body><stanza-id xmlns='urn:xmpp:sid:0' by='room@conference.example.com' id='${id}-s'/></message>`;
    } else if (kind < 0.8) {
      s =
        `<presence from='${jid()}' to='juliet@example.com'><show>${pick(["away", "chat", "dnd", "xa"])}</show>` +
        `<status>${pick(WORDS)} ${pick(WORDS)}</status><priority>5</priority>` +
        `<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://conversations.im' ver='q07IKJEyjvHSyhy//CH0CxmKi8w='/></presence>`;
    } else if (kind < 0.87) {
      s = `<iq from='example.com' to='juliet@example.com/balcony' id='${id}' type='get'><ping xmlns='urn:xmpp:ping'/></iq>`;
    } else if (kind < 0.93) {
      s =
        `<iq to='juliet@example.com/balcony' id='${id}' type='set'><query xmlns='jabber:iq:roster' ver='ver${n}'>` +
        `<item jid='${pick(users)}@example.com' name='${pick(users)}' subscription='both'><group>Friends</group></item></query></iq>`;
    } else if (kind < 0.97) {
      s =
        `<iq from='example.com' to='juliet@example.com/balcony' id='${id}' type='result'>` +
        `<query xmlns='http://jabber.org/protocol/disco#info'><identity category='server' type='im' name='Canto'/>` +
        `<feature var='urn:xmpp:ping'/><feature var='urn:xmpp:mam:2'/><feature var='urn:xmpp:carbons:2'/>` +
        `<feature var='http://jabber.org/protocol/disco#items'/></query></iq>`;
    } else {
      s =
        `<message to='juliet@example.com/balcony' id='${id}'><result xmlns='urn:xmpp:mam:2' queryid='q1' id='${id}-a'>` +
        `<forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' stamp='2026-11-26T05:00:00Z'/>` +
        `<message xmlns='jabber:client' from='${jid()}' to='juliet@example.com' type='chat'><body>${pick(WORDS)} ${pick(WORDS)}</body></message>` +
        `</forwarded></result></message>`;
    }
    out.push(s);
    size += Buffer.byteLength(s) + 1;
  }
  return out;
}
