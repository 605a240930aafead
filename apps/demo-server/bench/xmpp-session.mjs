// A minimal XMPP c2s client for the load generator: just enough protocol to log in (stream
// header, optional STARTTLS, SASL PLAIN, stream restart, bind, initial presence) and to send and
// receive chat messages. It matches on text rather than parsing XML so that thousands of
// sessions cost the load generator little CPU next to the server under test.
import { connect as netConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";

const STREAM_NS = "http://etherx.jabber.org/streams";

function header(domain) {
  return `<?xml version='1.0'?><stream:stream to='${domain}' xmlns='jabber:client' xmlns:stream='${STREAM_NS}' version='1.0'>`;
}

/** A whole message stanza; its body is the send time in ms (performance.now of this process). */
const MESSAGE = /<message\b([^>]*)>([\s\S]*?)<\/message>/g;
const BODY = /<body>(\d+(?:\.\d+)?)<\/body>/;
const ERROR_TYPE = /\btype=(['"])error\1/;

export class XmppSession {
  /**
   * @param {{ host: string, port: number, domain: string, username: string, password: string,
   *   starttls: boolean, timeoutMs: number }} options
   */
  constructor(options) {
    this.options = options;
    this.jid = `${options.username}@${options.domain}/bench`;
    this.buffer = "";
    this.socket = undefined;
    this.online = false;
    this.closed = false;
    /** Called with the send timestamp of every received message body once online. */
    this.onBody = () => {};
    /** Called for every message of type error (a bounce may carry our body: never a delivery). */
    this.onError = () => {};
    this.waiter = undefined;
  }

  /** Logs in; rejects with an Error naming the step that failed. */
  async login() {
    const { host, port, domain, username, password, starttls, timeoutMs } = this.options;
    this.socket = await new Promise((resolve, reject) => {
      const socket = netConnect({ host, port }, () => resolve(socket));
      socket.once("error", reject);
    });
    this.attach(this.socket);
    this.socket.write(header(domain));
    let features = await this.expect(/<\/stream:features>/, "stream features", timeoutMs);
    if (starttls) {
      if (!features.includes("urn:ietf:params:xml:ns:xmpp-tls")) throw new Error("server offers no STARTTLS");
      this.socket.write("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
      await this.expect(/<proceed[^>]*>/, "STARTTLS proceed", timeoutMs);
      const plain = this.socket;
      plain.removeAllListeners("data");
      this.socket = await new Promise((resolve, reject) => {
        // Loopback benchmark against a self-signed certificate: nothing to verify.
        const secure = tlsConnect({ socket: plain, servername: domain, rejectUnauthorized: false }, () =>
          resolve(secure),
        );
        secure.once("error", reject);
      });
      this.buffer = "";
      this.attach(this.socket);
      this.socket.write(header(domain));
      features = await this.expect(/<\/stream:features>/, "stream features after TLS", timeoutMs);
    }
    if (!/<mechanism>PLAIN<\/mechanism>/.test(features)) {
      throw new Error(`server offers no SASL PLAIN (features: ${features.slice(0, 300)})`);
    }
    const credentials = Buffer.from(`\0${username}\0${password}`).toString("base64");
    this.socket.write(
      `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${credentials}</auth>`,
    );
    const outcome = await this.expect(
      /<success[^>]*?(\/>|<\/success>)|<failure[\s\S]*?<\/failure>/,
      "SASL",
      timeoutMs,
    );
    if (outcome.includes("<failure")) throw new Error(`SASL PLAIN failed for ${username}: ${outcome}`);
    this.socket.write(header(domain));
    await this.expect(/<\/stream:features>/, "stream features after SASL", timeoutMs);
    this.socket.write(
      "<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>bench</resource></bind></iq>",
    );
    const bound = await this.expect(/<iq[^>]*bind1[\s\S]*?(<\/iq>|\/>)/, "resource bind", timeoutMs);
    if (!bound.includes("result")) throw new Error(`bind failed for ${username}: ${bound}`);
    const jid = /<jid>([^<]+)<\/jid>/.exec(bound);
    if (jid?.[1] !== undefined) this.jid = jid[1];
    this.socket.write("<presence/>");
    this.online = true;
    this.buffer = "";
  }

  attach(socket) {
    socket.setNoDelay(true);
    // No setEncoding: the plain socket may still be handed to TLS. The traffic is ASCII.
    socket.on("data", (chunk) => this.receive(chunk.toString("latin1")));
    socket.on("error", () => {});
    socket.on("close", () => {
      this.closed = true;
      this.online = false;
      this.waiter?.reject(new Error("connection closed"));
    });
  }

  receive(chunk) {
    this.buffer += chunk;
    if (!this.online) {
      this.waiter?.check();
      return;
    }
    let end = 0;
    MESSAGE.lastIndex = 0;
    for (let m = MESSAGE.exec(this.buffer); m !== null; m = MESSAGE.exec(this.buffer)) {
      end = MESSAGE.lastIndex;
      if (ERROR_TYPE.test(m[1] ?? "")) {
        this.onError(m[0]);
        continue;
      }
      const body = BODY.exec(m[2] ?? "");
      if (body) this.onBody(Number(body[1]));
    }
    if (end > 0) this.buffer = this.buffer.slice(end);
    // Keep only a tail that could hold the start of a message split across chunks.
    if (this.buffer.length > 4096 && !this.buffer.includes("<message")) this.buffer = this.buffer.slice(-64);
  }

  /** Resolves with the buffered text up to the first match of `pattern`, consuming it. */
  expect(pattern, step, timeoutMs) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${step} (${this.options.username})`));
      }, timeoutMs);
      const stream = /<stream:error[\s\S]*?<\/stream:error>/;
      this.waiter = {
        check: () => {
          const error = stream.exec(this.buffer);
          if (error) return this.waiter.reject(new Error(`${step}: ${error[0]}`));
          const m = pattern.exec(this.buffer);
          if (!m) return;
          const end = m.index + m[0].length;
          const text = this.buffer.slice(0, end);
          this.buffer = this.buffer.slice(end);
          clearTimeout(timer);
          this.waiter = undefined;
          resolve(text);
        },
        reject: (error) => {
          clearTimeout(timer);
          this.waiter = undefined;
          reject(error);
        },
      };
      this.waiter.check();
    });
  }

  /** Sends a chat message stamped with `now` (ms); returns false when the socket is backed up. */
  sendChat(to, now) {
    return this.socket.write(`<message to='${to}' type='chat'><body>${now.toFixed(3)}</body></message>`);
  }

  close() {
    if (this.socket === undefined || this.closed) return;
    this.online = false;
    this.socket.end("</stream:stream>");
    this.socket.destroySoon?.();
    setTimeout(() => this.socket?.destroy(), 2000).unref();
  }
}
