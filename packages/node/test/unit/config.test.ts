import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isBsnError } from '@bsn/core';
import { loadPcnConfig, validatePcnConfig } from '../../src/config.js';

const dir = mkdtempSync(join(tmpdir(), 'bsn-config-'));
for (const f of ['root.pem', 'node.pem', 'node.key', 'orderer.pem'])
  writeFileSync(join(dir, f), `-- ${f} --`);
after(() => rmSync(dir, { recursive: true, force: true }));

const valid = () => ({
  id: 'pcn1',
  dataDir: 'data',
  rootCert: 'root.pem',
  identity: { cert: 'node.pem', key: 'node.key' },
  gateway: { host: '127.0.0.1', port: 7001 },
  p2p: { host: '127.0.0.1', port: 7101 },
  orderer: { url: 'http://127.0.0.1:7000', id: 'orderer1', cert: 'orderer.pem' },
});

function rejects(raw: unknown, field: RegExp, env: NodeJS.ProcessEnv = {}) {
  assert.throws(
    () => validatePcnConfig(raw, dir, env),
    (err: unknown) => isBsnError(err, 'BSN_NODE_CONFIG_INVALID') && field.test(err.message),
  );
}

describe('PCN configuration', () => {
  it('fills defaults, resolves paths against the file folder, reads the PEM files and freezes', () => {
    const cfg = validatePcnConfig(valid(), dir);
    assert.equal(cfg.dataDir, join(dir, 'data'));
    assert.equal(cfg.gateway.tls, false);
    assert.equal(cfg.gateway.maxBodyBytes, 1_048_576);
    assert.equal(cfg.logLevel, 'info');
    assert.equal(cfg.keyPem, '-- node.key --');
    assert.ok(Object.isFrozen(cfg));
  });

  it('names the bad field of an invalid config', () => {
    rejects({ ...valid(), id: 'PCN One' }, /\/id/);
    rejects({ ...valid(), gateway: { host: '127.0.0.1', port: 70000 } }, /\/gateway\/port/);
    rejects({ ...valid(), gateway: { host: '127.0.0.1', port: 7001, tsl: true } }, /\/gateway/);
    rejects({ ...valid(), orderer: { url: 'ftp://x', id: 'o', cert: 'orderer.pem' } }, /\/orderer\/url/);
    rejects({ ...valid(), logLevel: 'loud' }, /\/logLevel/);
    rejects({ ...valid(), signatureThreads: -1 }, /\/signatureThreads/);
    rejects({ ...valid(), signatureThreads: 1.5 }, /\/signatureThreads/);
    rejects({ ...valid(), extra: 1 }, /config field/);
    rejects('not an object', /object/);
  });

  it('says which PEM file it cannot read', () => {
    rejects({ ...valid(), identity: { cert: 'node.pem', key: 'missing.key' } }, /identity\.key/);
  });

  it('lets BSN_NODE_* environment variables override the file', () => {
    const cfg = validatePcnConfig(valid(), dir, {
      BSN_NODE_GATEWAY_PORT: '9001',
      BSN_NODE_LOG_LEVEL: 'warn',
      BSN_NODE_SIGNATURE_THREADS: '0',
    });
    assert.equal(cfg.gateway.port, 9001);
    assert.equal(cfg.logLevel, 'warn');
    assert.equal(cfg.signatureThreads, 0);
    assert.equal(validatePcnConfig(valid(), dir).signatureThreads, undefined, 'absent: the node picks');
    rejects(valid(), /\/signatureThreads/, { BSN_NODE_SIGNATURE_THREADS: 'many' });
    rejects(valid(), /\/gateway\/port/, { BSN_NODE_GATEWAY_PORT: 'abc' });
  });

  it('loads YAML files and reports a missing or malformed file with the path', () => {
    const file = join(dir, 'pcn.yaml');
    writeFileSync(
      file,
      `id: pcn1\ndataDir: data\nrootCert: root.pem\nidentity: {cert: node.pem, key: node.key}\ngateway: {port: 7001}\np2p: {port: 7101}\norderer: {url: 'http://127.0.0.1:7000', id: o1, cert: orderer.pem}\n`,
    );
    assert.equal(loadPcnConfig(file, {}).gateway.host, '127.0.0.1');
    assert.throws(
      () => loadPcnConfig(join(dir, 'nope.yaml'), {}),
      (e: unknown) => isBsnError(e, 'BSN_NODE_CONFIG_INVALID') && /nope\.yaml/.test(e.message),
    );
    writeFileSync(file, 'id: [unclosed');
    assert.throws(
      () => loadPcnConfig(file, {}),
      (e: unknown) => isBsnError(e, 'BSN_NODE_CONFIG_INVALID') && /YAML/.test(e.message),
    );
  });
});
