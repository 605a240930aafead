/** XEP-0030 `disco#info` namespace. */
export const NS_DISCO_INFO = "http://jabber.org/protocol/disco#info";
/** XEP-0030 `disco#items` namespace. */
export const NS_DISCO_ITEMS = "http://jabber.org/protocol/disco#items";
/** XEP-0115 entity capabilities namespace. */
export const NS_CAPS = "http://jabber.org/protocol/caps";
/** XEP-0004 data forms namespace. */
export const NS_DATA_FORMS = "jabber:x:data";
/** RFC 6120 stanza error conditions namespace. */
export const NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas";
/** XEP-0157 contact addresses form type (`FORM_TYPE` of the serverinfo extension). */
export const NS_SERVERINFO = "http://jabber.org/network/serverinfo";
/** The caps node Prosody advertises; Canto keeps it by default so clients see one server. */
export const DEFAULT_CAPS_NODE = "http://prosody.im";
