import { parse } from "ltx";
import { describe, expect, it } from "vitest";
import { buildForm, formTypeOf, getFieldValues, isForm, parseForm } from "./forms.js";

describe("buildForm", () => {
  it("writes FORM_TYPE first, as a hidden field", () => {
    const x = buildForm({ formType: "urn:example", fields: [{ var: "a", value: "1" }] });
    expect(x.toString()).toBe(
      '<x xmlns="jabber:x:data" type="result">' +
        '<field var="FORM_TYPE" type="hidden"><value>urn:example</value></field>' +
        '<field var="a"><value>1</value></field></x>',
    );
    expect(formTypeOf(x)).toBe("urn:example");
    expect(isForm(x)).toBe(true);
  });

  it("builds an XEP-0157 contact-address extension with multi-valued fields", () => {
    const x = buildForm({
      formType: "http://jabber.org/network/serverinfo",
      fields: [
        {
          var: "abuse-addresses",
          type: "list-multi",
          value: ["mailto:abuse@example.org", "xmpp:abuse@example.org"],
        },
        { var: "admin-addresses", type: "list-multi", value: [] },
      ],
    });
    const form = parseForm(x);
    expect(form.formType).toBe("http://jabber.org/network/serverinfo");
    expect(getFieldValues(form, "abuse-addresses")).toEqual([
      "mailto:abuse@example.org",
      "xmpp:abuse@example.org",
    ]);
    expect(getFieldValues(form, "admin-addresses")).toEqual([]);
    expect(getFieldValues(form, "missing")).toBeUndefined();
  });

  it("writes every part of a form and reads it back", () => {
    const x = buildForm({
      type: "form",
      title: "Settings",
      instructions: ["Fill it in.", "Then submit."],
      fields: [
        { type: "fixed", value: "Section" },
        { var: "public", type: "boolean", label: "Public?", value: true, required: true, desc: "Listed" },
        { var: "notes", type: "text-multi", value: "line 1\nline 2" },
        {
          var: "colour",
          type: "list-single",
          value: "red",
          options: ["red", { label: "Blue", value: "blue" }],
        },
        { var: "max", type: "text-single", value: 5 },
      ],
    });
    expect(parseForm(x)).toEqual({
      type: "form",
      title: "Settings",
      instructions: ["Fill it in.", "Then submit."],
      fields: [
        { type: "fixed", required: false, values: ["Section"], options: [] },
        {
          var: "public",
          type: "boolean",
          label: "Public?",
          desc: "Listed",
          required: true,
          values: ["1"],
          options: [],
        },
        { var: "notes", type: "text-multi", required: false, values: ["line 1", "line 2"], options: [] },
        {
          var: "colour",
          type: "list-single",
          required: false,
          values: ["red"],
          options: [{ value: "red" }, { label: "Blue", value: "blue" }],
        },
        { var: "max", type: "text-single", required: false, values: ["5"], options: [] },
      ],
    });
  });

  it("rejects bad forms with code bad-form", () => {
    const bad = expect.objectContaining({ code: "bad-form" });
    expect(() => buildForm({ fields: [{ var: "a", type: "text-single", value: ["1", "2"] }] })).toThrow(bad);
    expect(() => buildForm({ fields: [{ var: "a" }, { var: "a" }] })).toThrow(bad);
    expect(() => buildForm({ formType: "urn:x", fields: [{ var: "FORM_TYPE" }] })).toThrow(bad);
    expect(() => buildForm({ fields: [{ type: "text-single" }] })).toThrow(bad);
    // biome-ignore lint/suspicious/noExplicitAny: testing bad values
    expect(() => buildForm({ type: "nope" as any })).toThrow(bad);
    // biome-ignore lint/suspicious/noExplicitAny: testing bad values
    expect(() => buildForm({ fields: [{ var: "a", type: "wide" as any }] })).toThrow(bad);
  });
});

describe("parseForm", () => {
  it("only lifts a hidden FORM_TYPE (XEP-0068)", () => {
    const form = parseForm(
      parse(`<x xmlns="jabber:x:data" type="submit"><field var="FORM_TYPE"><value>urn:x</value></field></x>`),
    );
    expect(form.formType).toBeUndefined();
    expect(form.fields[0]?.var).toBe("FORM_TYPE");
  });

  it("rejects what is not a form, or has no valid type", () => {
    const bad = expect.objectContaining({ code: "bad-form" });
    expect(() => parseForm(parse(`<query xmlns="jabber:iq:roster"/>`))).toThrow(bad);
    expect(() => parseForm(parse(`<x xmlns="jabber:x:data"/>`))).toThrow(bad);
    expect(() =>
      parseForm(parse(`<x xmlns="jabber:x:data" type="result"><field var="a" type="odd"/></x>`)),
    ).toThrow(bad);
  });
});
