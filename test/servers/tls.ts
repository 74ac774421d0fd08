/**
 * Throw-away X.509 material for TLS tests, made with the `openssl` command at test time: a CA, a
 * server certificate for 127.0.0.1/localhost, a client (user) certificate, and a proxy-style file
 * that holds the client certificate and its key together, as X509_USER_PROXY files do.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TlsMaterial {
  dir: string;
  caFile: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCertFile: string;
  clientKeyFile: string;
  /** Certificate, key and CA in one file. */
  proxyFile: string;
  /** Slash-form subject of the client certificate. */
  clientSubject: string;
  /** A certificate for the client signed by nobody the server trusts. */
  strangerCertFile: string;
  strangerKeyFile: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function selfSigned(dir: string, name: string, subject: string, extra: string[] = []): void {
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`,
    '-days', '2', '-subj', subject, ...extra]);
}

function signed(dir: string, name: string, subject: string, extFile: string): void {
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', `${name}.pem`, '-days', '2', '-extfile', extFile]);
}

/** Makes fresh material in a new temp directory (about a second of CPU). */
export function makeTlsMaterial(): TlsMaterial {
  const dir = mkdtempSync(path.join(tmpdir(), 'idsync-tls-'));
  selfSigned(dir, 'ca', '/DC=org/DC=example/CN=Test CA', ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  writeFileSync(path.join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  signed(dir, 'server', '/DC=org/DC=example/CN=localhost', 'server.ext');
  const clientSubject = '/DC=org/DC=example/O=Test/CN=Test Admin';
  signed(dir, 'client', clientSubject, 'client.ext');
  selfSigned(dir, 'stranger', '/DC=org/DC=example/CN=Stranger');
  const read = (f: string) => readFileSync(path.join(dir, f), 'utf8');
  const proxyFile = path.join(dir, 'x509up');
  writeFileSync(proxyFile, read('client.pem') + read('client.key') + read('ca.pem'), { mode: 0o600 });
  return {
    dir,
    caFile: path.join(dir, 'ca.pem'),
    ca: read('ca.pem'),
    serverCert: read('server.pem'),
    serverKey: read('server.key'),
    clientCertFile: path.join(dir, 'client.pem'),
    clientKeyFile: path.join(dir, 'client.key'),
    proxyFile,
    clientSubject,
    strangerCertFile: path.join(dir, 'stranger.pem'),
    strangerKeyFile: path.join(dir, 'stranger.key'),
  };
}
