import { X509Certificate } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createSecureContext } from "node:tls";
import type { Module } from "canto";
import { generate } from "selfsigned";
import type { TlsContextItem } from "./tls-context.js";

/** Days a generated certificate is valid (as `prosodyctl cert generate`). */
const SELF_SIGNED_DAYS = 365;

interface Pem {
  cert: string;
  key: string;
}

/** The configured certificate and key paths: `certificate`/`key`, or Prosody's `ssl = { ... }`. */
function configuredPaths(module: Module): { certificate: string; key: string } | undefined {
  let certificate = module.getOptionPath("certificate", undefined, "config");
  let key = module.getOptionPath("key", undefined, "config");
  const ssl = module.getOption("ssl");
  if (ssl !== undefined) {
    if (typeof ssl !== "object" || ssl === null || Array.isArray(ssl)) {
      throw new TypeError('option ssl: expected a table such as { certificate = "...", key = "..." }');
    }
    const table = ssl as Record<string, unknown>;
    const paths = module.server.config.paths;
    const resolvePath = (value: unknown, name: string) => {
      if (typeof value !== "string" || value === "")
        throw new TypeError(`option ssl.${name}: expected a file path`);
      return value.startsWith("/") ? value : join(paths.config, value);
    };
    if (table.certificate !== undefined) certificate ??= resolvePath(table.certificate, "certificate");
    if (table.key !== undefined) key ??= resolvePath(table.key, "key");
  }
  if (certificate === undefined && key === undefined) return undefined;
  if (certificate === undefined || key === undefined) {
    throw new TypeError(
      `host ${module.host}: both a certificate and a key are needed, only the ${certificate ? "certificate" : "key"} is configured`,
    );
  }
  return { certificate, key };
}

async function readPem(path: string, what: string, host: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new Error(`host ${host}: cannot read the TLS ${what} ${path}: ${(error as Error).message}`);
  }
}

function stillValid(cert: string): boolean {
  try {
    return Date.parse(new X509Certificate(cert).validTo) > Date.now() + 86_400_000;
  } catch {
    return false;
  }
}

async function selfSigned(host: string, dir: string): Promise<{ pem: Pem; source: string }> {
  const certPath = join(dir, `${host}.crt`);
  const keyPath = join(dir, `${host}.key`);
  try {
    const pem = { cert: await readFile(certPath, "utf8"), key: await readFile(keyPath, "utf8") };
    if (stillValid(pem.cert)) return { pem, source: certPath };
  } catch {
    // Not generated yet: generate below.
  }
  const now = new Date();
  const generated = await generate([{ name: "commonName", value: host }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notBeforeDate: now,
    notAfterDate: new Date(now.getTime() + SELF_SIGNED_DAYS * 86_400_000),
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: host },
          { type: 2, value: `*.${host}` },
        ],
      },
    ],
  });
  await mkdir(dir, { recursive: true });
  await writeFile(keyPath, generated.private, { mode: 0o600 });
  await writeFile(certPath, generated.cert, { mode: 0o644 });
  return { pem: { cert: generated.cert, key: generated.private }, source: certPath };
}

/**
 * The host's certificate as a TLS context: the configured files, else a self-signed certificate
 * kept in `<data_path>/certs/<host>.crt|.key` (generated on first start, renewed when it expires),
 * unless `tls_self_signed` is false. Undefined when there is none.
 */
export async function loadCertificate(module: Module): Promise<TlsContextItem | undefined> {
  const host = module.host;
  const paths = configuredPaths(module);
  let pem: Pem;
  let source: string;
  let generated = false;
  if (paths !== undefined) {
    pem = {
      cert: await readPem(paths.certificate, "certificate", host),
      key: await readPem(paths.key, "key", host),
    };
    source = paths.certificate;
  } else if (module.getOptionBoolean("tls_self_signed", true)) {
    const dir = join(module.server.config.paths.data, "certs");
    ({ pem, source } = await selfSigned(host, dir));
    generated = true;
  } else {
    return undefined;
  }
  try {
    return {
      host,
      secureContext: createSecureContext({ cert: pem.cert, key: pem.key }),
      source,
      selfSigned: generated,
    };
  } catch (error) {
    throw new Error(
      `host ${host}: the certificate ${source} and its key are not usable: ${(error as Error).message}`,
    );
  }
}
