import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { BsnError } from '@bsn/core';
import { bundleContract } from '@bsn/runtime-js';
import { fixturePath } from '../fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'bsn-bundle-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('bundleContract', () => {
  test('bundles a TypeScript contract and its @bsn/contract import into one ES module', async () => {
    const { code } = await bundleContract(fixturePath('asset-contract.ts'));
    assert.doesNotMatch(code, /^\s*import\s/m, 'no imports left');
    assert.match(code, /export\s*{[^}]*as default/);
    assert.match(code, /ContractError = class extends Error/, '@bsn/contract is bundled from source');
  });

  test('codeHash is the hex SHA-256 of the code', async () => {
    const { code, codeHash } = await bundleContract(fixturePath('asset-contract.ts'));
    assert.equal(codeHash, createHash('sha256').update(code, 'utf8').digest('hex'));
  });

  test('the output does not depend on the working directory', async () => {
    const here = await bundleContract(fixturePath('asset-contract.ts'));
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const elsewhere = await bundleContract(fixturePath('asset-contract.ts'));
      assert.equal(elsewhere.codeHash, here.codeHash);
    } finally {
      process.chdir(cwd);
    }
  });

  test('refuses an import of a Node built-in, naming it and where', async () => {
    await assert.rejects(bundleContract(fixturePath('node-builtin-contract.ts')), (err: BsnError) => {
      assert.equal(err.code, 'BSN_CONTRACT_FORBIDDEN_IMPORT');
      assert.match(err.message, /node:fs/);
      assert.match(err.message, /node-builtin-contract\.ts:2/);
      return true;
    });
  });

  test('refuses bare built-in names and require() of them too', async () => {
    const file = join(dir, 'bare.ts');
    writeFileSync(
      file,
      "const cp = require('child_process');\nexport default { run() { return typeof cp; } };\n",
    );
    await assert.rejects(bundleContract(file), { code: 'BSN_CONTRACT_FORBIDDEN_IMPORT' });
  });

  test('a syntax error fails with BSN_CONTRACT_BUNDLE_FAILED and its location', async () => {
    const file = join(dir, 'broken.ts');
    writeFileSync(file, 'export default { broken( {\n');
    await assert.rejects(bundleContract(file), (err: BsnError) => {
      assert.equal(err.code, 'BSN_CONTRACT_BUNDLE_FAILED');
      assert.match(err.message, /broken\.ts:\d+:\d+: Expected/);
      return true;
    });
  });

  test('a missing entry file fails with BSN_CONTRACT_BUNDLE_FAILED', async () => {
    await assert.rejects(bundleContract(join(dir, 'nope.ts')), { code: 'BSN_CONTRACT_BUNDLE_FAILED' });
  });

  test('library code branching on process.env.NODE_ENV is compiled to production', async () => {
    const file = join(dir, 'env.ts');
    writeFileSync(
      file,
      "export default { mode() { return process.env.NODE_ENV === 'production' ? 'prod' : 'dev'; } };\n",
    );
    const { code } = await bundleContract(file);
    assert.doesNotMatch(code, /process/);
  });
});
