// The lab's TLS material: a CA, one server certificate per engine and one client certificate (openssl, P-256).
import { randomBytes, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { progress, runOk } from './exec.ts';
import { CERTS_DIR, ENGINES, type EngineDef } from './topology.ts';

export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

export const CA_CERT = join(CERTS_DIR, 'ca.pem');
const CA_KEY = join(CERTS_DIR, 'ca-key.pem');
const CLIENT_DIR = join(CERTS_DIR, 'client');

export function clientTls(): TlsFiles {
  return { ca: CA_CERT, cert: join(CLIENT_DIR, 'cert.pem'), key: join(CLIENT_DIR, 'key.pem') };
}

export function serverTls(e: EngineDef): TlsFiles {
  return { ca: CA_CERT, cert: join(e.certDir, 'cert.pem'), key: join(e.certDir, 'key.pem') };
}

const DAY_MS = 86_400_000;
const EKU_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const EKU_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

function newKey(path: string): void {
  runOk('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path]);
  chmodSync(path, 0o600);
}

function writeExt(dir: string, lines: string[]): string {
  const p = join(dir, 'ext.cnf');
  writeFileSync(p, ['[ext]', ...lines, ''].join('\n'));
  return p;
}

function makeCa(): void {
  mkdirSync(CERTS_DIR, { recursive: true, mode: 0o700 });
  newKey(CA_KEY);
  const cfg = join(CERTS_DIR, 'ca.cnf');
  writeFileSync(
    cfg,
    [
      '[req]',
      'distinguished_name = dn',
      'prompt = no',
      '[dn]',
      'CN = swarmgate lab CA',
      '[ext]',
      'basicConstraints = critical, CA:TRUE',
      'keyUsage = critical, keyCertSign, cRLSign',
      'subjectKeyIdentifier = hash',
      '',
    ].join('\n'),
  );
  runOk('openssl', [
    'req',
    '-x509',
    '-new',
    '-config',
    cfg,
    '-extensions',
    'ext',
    '-key',
    CA_KEY,
    '-sha256',
    '-days',
    '3650',
    '-out',
    CA_CERT,
  ]);
  rmSync(cfg, { force: true });
}

function issue(dir: string, cn: string, extLines: string[]): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = join(dir, 'key.pem');
  const csr = join(dir, 'csr.pem');
  newKey(key);
  runOk('openssl', ['req', '-new', '-key', key, '-subj', `/CN=${cn}`, '-out', csr]);
  const ext = writeExt(dir, [
    'basicConstraints = critical, CA:FALSE',
    'keyUsage = critical, digitalSignature',
    'authorityKeyIdentifier = keyid',
    ...extLines,
  ]);
  runOk('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    CA_CERT,
    '-CAkey',
    CA_KEY,
    '-set_serial',
    `0x${randomBytes(16).toString('hex')}`,
    '-days',
    '825',
    '-sha256',
    '-extfile',
    ext,
    '-extensions',
    'ext',
    '-out',
    join(dir, 'cert.pem'),
  ]);
  rmSync(csr, { force: true });
  rmSync(ext, { force: true });
}

function loadCert(path: string): X509Certificate | null {
  try {
    return new X509Certificate(readFileSync(path));
  } catch {
    return null;
  }
}

/** A certificate is kept when it is signed by the current CA, valid for a week more and names what it must. */
function certUsable(
  files: TlsFiles,
  ca: X509Certificate,
  mustHave: (c: X509Certificate) => boolean,
): boolean {
  if (!existsSync(files.key)) return false;
  const c = loadCert(files.cert);
  if (!c) return false;
  if (!c.verify(ca.publicKey)) return false;
  if (new Date(c.validTo).getTime() < Date.now() + 7 * DAY_MS) return false;
  return mustHave(c);
}

/**
 * Creates whatever TLS material is missing or unusable and returns the engines whose server
 * certificate was (re)issued, because a running dockerd only reads its certificate at start.
 */
export function ensureCerts(): string[] {
  let ca = existsSync(CA_KEY) ? loadCert(CA_CERT) : null;
  if (!ca || new Date(ca.validTo).getTime() < Date.now() + 30 * DAY_MS) {
    progress('creating the lab CA (P-256)');
    rmSync(CERTS_DIR, { recursive: true, force: true });
    makeCa();
    ca = loadCert(CA_CERT);
    if (!ca) throw new Error(`could not read the CA just written to ${CA_CERT}`);
  }
  const reissued: string[] = [];
  for (const e of ENGINES) {
    const ok = certUsable(
      serverTls(e),
      ca,
      (c) =>
        c.checkIP(e.address) !== undefined &&
        c.checkHost(e.name) !== undefined &&
        (c.keyUsage ?? []).includes(EKU_SERVER_AUTH),
    );
    if (!ok) {
      issue(e.certDir, e.name, [
        'extendedKeyUsage = serverAuth',
        `subjectAltName = IP:${e.address}, DNS:${e.name}`,
      ]);
      reissued.push(e.name);
    }
  }
  if (!certUsable(clientTls(), ca, (c) => (c.keyUsage ?? []).includes(EKU_CLIENT_AUTH))) {
    issue(CLIENT_DIR, 'swarmgate-lab-client', ['extendedKeyUsage = clientAuth']);
    progress('issued the lab client certificate');
  }
  if (reissued.length > 0) progress(`issued server certificates for ${reissued.join(', ')}`);
  return reissued;
}
