/**
 * A web page that logs in over BOSH (plain `fetch`) as alice and over WebSocket (RFC 7395) as
 * bob, exchanges a message each way and ends both sessions; `window.result` holds what it saw.
 */
export function loginPage(boshUrl: string, wsUrl: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>BOSH and WebSocket</title></head>
<body><pre id="log"></pre>
<script>
const BOSH = ${JSON.stringify(boshUrl)};
const WS = ${JSON.stringify(wsUrl)};
const HTTPBIND = "http://jabber.org/protocol/httpbind";
const log = (line) => { document.getElementById("log").textContent += line + "\\n"; };
const parse = (text) => new DOMParser().parseFromString(text, "text/xml").documentElement;

let rid = 100000 + Math.floor(Math.random() * 100000);
let sid;
async function post(inner, attrs = {}) {
  const all = { rid: ++rid, sid, ...attrs };
  const text = Object.entries(all).filter(([, v]) => v !== undefined).map(([k, v]) => " " + k + "='" + v + "'").join("");
  const response = await fetch(BOSH, {
    method: "POST",
    headers: { "Content-Type": "text/xml; charset=utf-8" },
    body: "<body xmlns='" + HTTPBIND + "' xmlns:xmpp='urn:xmpp:xbosh'" + text + ">" + inner + "</body>",
  });
  const body = parse(await response.text());
  log("bosh " + response.status + ": " + body.outerHTML.slice(0, 200));
  return body;
}
/** Posts until a response holds an element named \`name\` (what comes may ride on any response). */
async function boshUntil(name, inner = "", attrs = {}) {
  let body = await post(inner, attrs);
  for (let i = 0; i < 4 && body.getElementsByTagName(name).length === 0; i++) body = await post();
  const found = body.getElementsByTagName(name)[0];
  if (!found) throw new Error("no <" + name + "> over BOSH");
  return found;
}

async function boshLogin() {
  const created = await post("", { to: "localhost", wait: 30, hold: 1, ver: "1.6", "xml:lang": "en", "xmpp:version": "1.0" });
  sid = created.getAttribute("sid");
  if (!created.getElementsByTagName("mechanisms").length) throw new Error("no mechanisms");
  await boshUntil("success", "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + btoa("\\0alice\\0secret") + "</auth>");
  await boshUntil("bind", "", { to: "localhost", "xmpp:restart": "true" });
  const jid = await boshUntil("jid", "<iq xmlns='jabber:client' type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>browser</resource></bind></iq>");
  return jid.textContent;
}

function wsOpen() {
  const ws = new WebSocket(WS, "xmpp");
  const inbox = [];
  let wake = () => {};
  ws.onmessage = (event) => { log("ws: " + event.data.slice(0, 200)); inbox.push(parse(event.data)); wake(); };
  const next = async (test) => {
    for (;;) {
      const at = inbox.findIndex(test);
      if (at >= 0) return inbox.splice(at, 1)[0];
      await new Promise((resolve) => { wake = resolve; setTimeout(resolve, 200); });
    }
  };
  const opened = new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
  const open = () => ws.send("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='localhost' version='1.0'/>");
  return { ws, next, opened, open };
}

async function wsLogin() {
  const c = wsOpen();
  await c.opened;
  c.open();
  await c.next((e) => e.localName === "features");
  c.ws.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + btoa("\\0bob\\0pw") + "</auth>");
  await c.next((e) => e.localName === "success");
  c.open();
  await c.next((e) => e.localName === "features");
  c.ws.send("<iq xmlns='jabber:client' type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>ws</resource></bind></iq>");
  const bound = await c.next((e) => e.localName === "iq");
  c.jid = bound.getElementsByTagName("jid")[0].textContent;
  return c;
}

(async () => {
  const aliceJid = await boshLogin();
  const bob = await wsLogin();
  bob.ws.send("<message xmlns='jabber:client' type='chat' to='" + aliceJid + "'><body>from bob</body></message>");
  const toAlice = await boshUntil("message");
  // Held until there is something for alice: a BOSH client does not wait for it to send more.
  const sending = post("<message xmlns='jabber:client' type='chat' to='" + bob.jid + "'><body>from alice</body></message>");
  const toBob = await bob.next((e) => e.localName === "message");
  const ended = await post("<presence xmlns='jabber:client' type='unavailable'/>", { type: "terminate" });
  await sending;
  bob.ws.send("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>");
  window.result = {
    aliceJid,
    bobJid: bob.jid,
    toAlice: toAlice.getElementsByTagName("body")[0].textContent,
    toAliceFrom: toAlice.getAttribute("from"),
    toBob: toBob.getElementsByTagName("body")[0].textContent,
    toBobFrom: toBob.getAttribute("from"),
    ended: ended.getAttribute("type"),
  };
})().catch((error) => { window.result = { error: String(error && error.stack || error) }; });
</script></body></html>`;
}
