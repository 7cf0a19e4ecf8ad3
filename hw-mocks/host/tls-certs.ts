/**
 * Throwaway TLS material for tests and `pos host-sim --tls`: a CA, a server
 * certificate for 127.0.0.1/localhost and a client certificate, all signed by
 * that CA, made with the system `openssl` (EC P-256, one day) in a temp
 * directory. Never for production: the keys sit unencrypted in /tmp.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const OPENSSL = process.env['POS_OPENSSL'] ?? '/usr/bin/openssl';

export interface CertFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: Buffer;
  readonly key: Buffer;
}

export interface ThrowawayPki {
  readonly dir: string;
  readonly caFile: string;
  readonly ca: Buffer;
  readonly server: CertFiles;
  readonly client: CertFiles;
  /** Removes the directory. */
  cleanup(): void;
}

function openssl(args: readonly string[], cwd: string): void {
  execFileSync(OPENSSL, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function issue(dir: string, name: string, subject: string, caName: string, ext: string): CertFiles {
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.crt`);
  const extFile = join(dir, `${name}.ext`);
  writeFileSync(extFile, ext);
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', keyFile], dir);
  openssl(['req', '-new', '-key', keyFile, '-subj', subject, '-out', join(dir, `${name}.csr`)], dir);
  openssl(
    ['x509', '-req', '-in', join(dir, `${name}.csr`), '-CA', join(dir, `${caName}.crt`), '-CAkey', join(dir, `${caName}.key`), '-CAcreateserial', '-days', '1', '-sha256', '-extfile', extFile, '-out', certFile],
    dir,
  );
  return { certFile, keyFile, cert: readFileSync(certFile), key: readFileSync(keyFile) };
}

/** A CA with one server and one client certificate. `label` goes into the subjects (tell two PKIs apart). */
export function makeThrowawayPki(label = 'pos-sim'): ThrowawayPki {
  const dir = mkdtempSync(join(tmpdir(), `${label}-pki-`));
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key'], dir);
  openssl(['req', '-x509', '-new', '-key', 'ca.key', '-subj', `/CN=${label} test CA`, '-days', '1', '-sha256', '-out', 'ca.crt'], dir);
  const server = issue(dir, 'server', `/CN=${label} host`, 'ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  const client = issue(dir, 'client', `/CN=${label} terminal`, 'ca', 'extendedKeyUsage=clientAuth\n');
  const caFile = join(dir, 'ca.crt');
  return { dir, caFile, ca: readFileSync(caFile), server, client, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
