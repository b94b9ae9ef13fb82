/**
 * Certificates and private keys on disk as PEM. Keys are written owner-only (0600, in a 0700
 * directory when it is created here) through a temporary file and a rename, so a crash never
 * leaves half a key; reading refuses a key file other users can read, as ssh does.
 */

import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BsnError } from '@bsn/core';
import { parsePrivateKeyPem, spkiDer } from './algorithms.js';
import { type CertificateInfo, parseCertificateDetailed } from './parse-certificate.js';

/** Where {@link writeCredential} put the files. */
export interface CredentialPaths {
  readonly certPath: string;
  readonly keyPath?: string;
}

/** A credential read back from disk, with its parsed certificate. */
export interface LoadedCredential {
  readonly certPem: string;
  readonly keyPem?: string;
  readonly info: CertificateInfo;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function io(message: string, path: string, cause: unknown): BsnError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  return new BsnError('BSN_PKI_CREDENTIAL_IO', `${message} ${path}${code ? ` (${code})` : ''}`, {
    details: { path, ...(code ? { errno: code } : {}) },
    cause,
  });
}

/** Checks that a private key belongs to a certificate; throws BSN_PKI_KEY_MISMATCH. */
function assertPair(certPem: string, keyPem: string): CertificateInfo {
  const cert = parseCertificateDetailed(certPem);
  const { key } = parsePrivateKeyPem(keyPem);
  if (!spkiDer(key).equals(cert.spki)) {
    throw new BsnError(
      'BSN_PKI_KEY_MISMATCH',
      `the private key is not the key of certificate "${cert.info.subject.commonName}"`,
    );
  }
  return cert.info;
}

async function writeAtomic(path: string, text: string, mode: number): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (cause) {
    await rm(tmp, { force: true });
    throw io('cannot write', path, cause);
  }
}

/**
 * Writes `<dir>/<name>.cert.pem` and, when a key is given, `<dir>/<name>.key.pem` (mode 0600,
 * after checking it belongs to the certificate). Creates `dir` with mode 0700 if missing.
 */
export async function writeCredential(
  dir: string,
  name: string,
  cred: { readonly certPem: string; readonly keyPem?: string },
): Promise<CredentialPaths> {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new BsnError(
      'BSN_INVALID_ARGUMENT',
      'name must be 1-128 characters [A-Za-z0-9._-] not starting with a dot or dash',
      {
        details: { field: 'name' },
      },
    );
  }
  if (cred.keyPem !== undefined) assertPair(cred.certPem, cred.keyPem);
  else parseCertificateDetailed(cred.certPem);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (cause) {
    throw io('cannot create directory', dir, cause);
  }
  const certPath = join(dir, `${name}.cert.pem`);
  await writeAtomic(certPath, cred.certPem, 0o644);
  if (cred.keyPem === undefined) return { certPath };
  const keyPath = join(dir, `${name}.key.pem`);
  await writeAtomic(keyPath, cred.keyPem, 0o600);
  // The umask may have narrowed the mode; make sure it is exactly owner read/write.
  await chmod(keyPath, 0o600);
  return { certPath, keyPath };
}

/**
 * Reads a certificate and optionally its private key. Throws BSN_PKI_KEY_FILE_EXPOSED for a key
 * file readable by group or others, BSN_PKI_KEY_MISMATCH when the key is not the certificate's.
 */
export async function readCredential(
  certPath: string,
  keyPath: string,
): Promise<LoadedCredential & { keyPem: string }>;
export async function readCredential(certPath: string): Promise<LoadedCredential>;
export async function readCredential(certPath: string, keyPath?: string): Promise<LoadedCredential> {
  let certPem: string;
  try {
    certPem = await readFile(certPath, 'utf8');
  } catch (cause) {
    throw io('cannot read', certPath, cause);
  }
  if (keyPath === undefined) return { certPem, info: parseCertificateDetailed(certPem).info };
  let keyPem: string;
  try {
    const st = await stat(keyPath);
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      throw new BsnError(
        'BSN_PKI_KEY_FILE_EXPOSED',
        `private key file ${keyPath} has mode ${(st.mode & 0o777).toString(8)}; run chmod 600 on it`,
        { details: { path: keyPath, mode: (st.mode & 0o777).toString(8) } },
      );
    }
    keyPem = await readFile(keyPath, 'utf8');
  } catch (cause) {
    if (cause instanceof BsnError) throw cause;
    throw io('cannot read', keyPath, cause);
  }
  return { certPem, keyPem, info: assertPair(certPem, keyPem) };
}
