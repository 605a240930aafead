// `canto check certs`: for each host, the certificate it will use and whether it is usable.
import { X509Certificate } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { standardModules } from "@canto/modules";
import type { Config } from "canto";
import { loadServerConfig } from "./load-config.js";
import { applyCertificateFolder } from "./prosody-compat.js";

export interface CertCheck {
  ok: boolean;
  lines: string[];
}

function configured(config: Config, host: string): string | undefined {
  const direct = config.options(host).getOptionPath("certificate", undefined, "config");
  if (direct !== undefined) return direct;
  const ssl = config.get(host, "ssl") as Record<string, unknown> | undefined;
  if (typeof ssl?.certificate !== "string") return undefined;
  return ssl.certificate.startsWith("/") ? ssl.certificate : join(config.paths.config, ssl.certificate);
}

/** One line per host: the certificate file, its expiry, and whether it names the host. */
export function checkCertificates(config: Config): CertCheck {
  applyCertificateFolder(config);
  const lines: string[] = [];
  let ok = true;
  for (const { name } of config.hosts()) {
    const file = configured(config, name);
    if (file === undefined) {
      const generated = join(config.paths.data, "certs", `${name}.crt`);
      lines.push(
        config.get(name, "tls_self_signed") === false
          ? `${name}: no certificate, and tls_self_signed = false: clients cannot use TLS`
          : `${name}: no certificate configured; Canto uses a self-signed one (${existsSync(generated) ? generated : "made at first start"}), which clients will warn about`,
      );
      continue;
    }
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(readFileSync(file));
    } catch (error) {
      ok = false;
      lines.push(`${name}: cannot read the certificate ${file}: ${(error as Error).message}`);
      continue;
    }
    const expires = Date.parse(cert.validTo);
    const problems = [
      expires < Date.now() ? `expired on ${cert.validTo}` : "",
      cert.checkHost(name) === undefined ? `does not name ${name}` : "",
    ].filter((p) => p !== "");
    if (problems.length > 0) ok = false;
    lines.push(
      `${name}: ${file}: ${problems.length > 0 ? problems.join(", ") : `OK, valid until ${new Date(expires).toISOString().slice(0, 10)}`}`,
    );
  }
  lines.push(ok ? "certificates: OK" : "certificates: problems found");
  return { ok, lines };
}

/** `canto check certs [FILE]`. */
export async function checkCertsCommand(
  file: string | undefined,
  overrides: Record<string, unknown>,
): Promise<CertCheck> {
  const { config } = await loadServerConfig(file, standardModules, overrides);
  return checkCertificates(config);
}
