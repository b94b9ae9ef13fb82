/** Test helper: a throw-away CA, a server certificate for 127.0.0.1 and client certificates, made with the openssl CLI. */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A certificate and its private key, PEM. */
export interface TestCredential {
  readonly certPem: string;
  readonly keyPem: string;
}

/** Whether the openssl command line tool can be run here. */
export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

/**
 * Writes into `dir` a P-256 CA valid for a day, a server certificate for 127.0.0.1 and one client
 * certificate per name in `clients`, all signed by the CA; returns them as PEM.
 */
export function makeCertificates(
  dir: string,
  clients: readonly string[],
): { caPem: string; server: TestCredential; clients: TestCredential[] } {
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(dir, [
    'req',
    '-x509',
    ...newKey,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-subj',
    '/CN=test-ca',
    '-days',
    '1',
  ]);
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  const issue = (name: string, ext?: string): TestCredential => {
    openssl(dir, ['req', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
    openssl(dir, [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '1',
      ...(ext ? ['-extfile', ext] : []),
    ]);
    return {
      certPem: readFileSync(join(dir, `${name}.crt`), 'utf8'),
      keyPem: readFileSync(join(dir, `${name}.key`), 'utf8'),
    };
  };
  return {
    caPem: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    server: issue('server', 'server.ext'),
    clients: clients.map((c) => issue(c)),
  };
}
