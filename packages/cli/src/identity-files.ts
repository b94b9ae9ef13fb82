/**
 * Identity files as the network uses them: `<name>.pem` holds the certificate followed by its
 * issuing CA's certificate (so any node can build the chain to the root, as in TLS), and
 * `<name>.key` the private key (mode 0600).
 */
import { writeFileSync } from 'node:fs';
import { writeCredential } from '@bsn/pki';

/** Writes a certificate bundle and its key; returns the paths. */
export async function writeIdentityFiles(
  dir: string,
  name: string,
  leafPem: string,
  caPem: string,
  keyPem: string,
): Promise<{ certPath: string; keyPath: string }> {
  const files = await writeCredential(dir, name, { certPem: leafPem, keyPem });
  writeFileSync(files.certPath, leafPem.endsWith('\n') ? leafPem + caPem : `${leafPem}\n${caPem}`);
  return { certPath: files.certPath, keyPath: files.keyPath! };
}
