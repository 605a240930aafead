/**
 * The XML namespaces the XMPP core and the extensions Canto implements use, one table for every
 * package. Keys are short snake_case names; values are the namespaces as the specs spell them.
 */
export const NS = {
  // RFC 6120: streams, errors, stream features
  xml: "http://www.w3.org/XML/1998/namespace",
  streams: "http://etherx.jabber.org/streams",
  stream_errors: "urn:ietf:params:xml:ns:xmpp-streams",
  stanzas: "urn:ietf:params:xml:ns:xmpp-stanzas",
  client: "jabber:client",
  server: "jabber:server",
  tls: "urn:ietf:params:xml:ns:xmpp-tls",
  sasl: "urn:ietf:params:xml:ns:xmpp-sasl",
  bind: "urn:ietf:params:xml:ns:xmpp-bind",
  session: "urn:ietf:params:xml:ns:xmpp-session",
  // RFC 7395 (WebSocket), XEP-0114 (components), XEP-0220 (dialback)
  framing: "urn:ietf:params:xml:ns:xmpp-framing",
  component: "jabber:component:accept",
  prosody_component: "xmpp:prosody.im/protocol/component",
  dialback: "jabber:server:dialback",
  // IM and extensions
  roster: "jabber:iq:roster",
  rosterver: "urn:xmpp:features:rosterver",
  register: "jabber:iq:register",
  register_feature: "http://jabber.org/features/iq-register",
  disco_info: "http://jabber.org/protocol/disco#info",
  disco_items: "http://jabber.org/protocol/disco#items",
  caps: "http://jabber.org/protocol/caps",
  data_forms: "jabber:x:data",
  serverinfo: "http://jabber.org/network/serverinfo",
  sm: "urn:xmpp:sm:3",
  last: "jabber:iq:last",
  ping: "urn:xmpp:ping",
  version: "jabber:iq:version",
  time: "urn:xmpp:time",
  vcard: "vcard-temp",
  private: "jabber:iq:private",
  blocking: "urn:xmpp:blocking",
  blocking_errors: "urn:xmpp:blocking:errors",
  carbons: "urn:xmpp:carbons:2",
  mam: "urn:xmpp:mam:2",
  mam_extended: "urn:xmpp:mam:2#extended",
  rsm: "http://jabber.org/protocol/rsm",
  forward: "urn:xmpp:forward:0",
  delay: "urn:xmpp:delay",
  stanza_id: "urn:xmpp:sid:0",
  chatstates: "http://jabber.org/protocol/chatstates",
  hints: "urn:xmpp:hints",
  receipts: "urn:xmpp:receipts",
  csi: "urn:xmpp:csi:0",
  muc: "http://jabber.org/protocol/muc",
  // XEP-0060 publish-subscribe
  pubsub: "http://jabber.org/protocol/pubsub",
  pubsub_owner: "http://jabber.org/protocol/pubsub#owner",
  pubsub_event: "http://jabber.org/protocol/pubsub#event",
  pubsub_errors: "http://jabber.org/protocol/pubsub#errors",
  pubsub_node_config: "http://jabber.org/protocol/pubsub#node_config",
  pubsub_publish_options: "http://jabber.org/protocol/pubsub#publish-options",
  pubsub_meta_data: "http://jabber.org/protocol/pubsub#meta-data",
} as const;

/** The name of a namespace in {@link NS}. */
export type NamespaceName = keyof typeof NS;
