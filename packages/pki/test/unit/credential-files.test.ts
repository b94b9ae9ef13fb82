import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readCredential, writeCredential } from '../../src/index.js';
import { hierarchy } from './fixtures.js';

const h = await hierarchy();
const base = mkdtempSync(join(tmpdir(), 'bsn-pki-'));
after(() => rmSync(base, { recursive: true, force: true }));

function code(expected: string) {
  return (err: Error & { code?: string }) => {
    assert.equal(err.code, expected, err.message);
    return true;
  };
}

describe('credentials on disk', () => {
  it('writes the key owner-only in an owner-only directory and reads the pair back', async () => {
    const dir = join(base, 'node-1', 'tls');
    const paths = await writeCredential(dir, 'node', h.node);
    assert.equal(paths.certPath, join(dir, 'node.cert.pem'));
    assert.equal(paths.keyPath, join(dir, 'node.key.pem'));
    assert.equal(statSync(paths.keyPath!).mode & 0o777, 0o600);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    const back = await readCredential(paths.certPath, paths.keyPath!);
    assert.equal(back.certPem, h.node.certPem);
    assert.equal(back.keyPem, h.node.keyPem);
    assert.equal(back.info.subject.commonName, 'pcn-bj-1');
  });

  it('writes and reads a certificate without a key', async () => {
    const paths = await writeCredential(base, 'root', { certPem: h.root.certPem });
    assert.equal(paths.keyPath, undefined);
    const back = await readCredential(paths.certPath);
    assert.equal(back.info.kind, 'root');
    assert.equal(back.keyPem, undefined);
  });

  it('refuses a key file other users can read (BSN_PKI_KEY_FILE_EXPOSED)', async () => {
    const paths = await writeCredential(base, 'exposed', h.user);
    chmodSync(paths.keyPath!, 0o644);
    await assert.rejects(readCredential(paths.certPath, paths.keyPath!), code('BSN_PKI_KEY_FILE_EXPOSED'));
  });

  it('refuses to pair a certificate with another key, on write and on read (BSN_PKI_KEY_MISMATCH)', async () => {
    await assert.rejects(
      writeCredential(base, 'mixed', { certPem: h.user.certPem, keyPem: h.node.keyPem }),
      code('BSN_PKI_KEY_MISMATCH'),
    );
    const a = await writeCredential(base, 'a', h.user);
    const b = await writeCredential(base, 'b', h.node);
    await assert.rejects(readCredential(a.certPath, b.keyPath!), code('BSN_PKI_KEY_MISMATCH'));
  });

  it('refuses names that would leave the directory, and reports missing files (BSN_PKI_CREDENTIAL_IO)', async () => {
    await assert.rejects(writeCredential(base, '../escape', h.user), code('BSN_INVALID_ARGUMENT'));
    await assert.rejects(writeCredential(base, '.hidden', h.user), code('BSN_INVALID_ARGUMENT'));
    await assert.rejects(readCredential(join(base, 'missing.cert.pem')), code('BSN_PKI_CREDENTIAL_IO'));
    const garbage = join(base, 'garbage.cert.pem');
    writeFileSync(garbage, 'hello');
    await assert.rejects(readCredential(garbage), code('BSN_PKI_CERT_MALFORMED'));
  });
});
