import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BsnError, errorCatalog, isBsnError, registerErrorCodes } from '@bsn/core';

describe('BsnError', () => {
  it('carries code, message, details and cause', () => {
    const cause = new Error('disk full');
    const err = new BsnError('BSN_INVALID_ARGUMENT', 'bad height', { details: { height: -1 }, cause });
    assert.ok(err instanceof Error);
    assert.equal(err.name, 'BsnError');
    assert.equal(err.code, 'BSN_INVALID_ARGUMENT');
    assert.equal(err.message, 'bad height');
    assert.deepEqual(err.details, { height: -1 });
    assert.equal(err.cause, cause);
  });

  it('defaults details to an empty object and has no cause when none is given', () => {
    const err = new BsnError('BSN_INTERNAL', 'boom');
    assert.deepEqual(err.details, {});
    assert.equal(err.cause, undefined);
    assert.equal('cause' in err, false);
  });

  it('maps its code to the catalogued HTTP status, and unknown codes to 500', () => {
    assert.equal(new BsnError('BSN_HEX_INVALID', 'x').status, 400);
    assert.equal(new BsnError('BSN_SIGNATURE_INVALID', 'x').status, 401);
    assert.equal(new BsnError('BSN_CERTIFICATE_QUORUM', 'x').status, 422);
    assert.equal(new BsnError('BSN_NOT_A_REGISTERED_CODE', 'x').status, 500);
  });

  it('serialises to {code, message, details} with no stack trace and no cause', () => {
    const err = new BsnError('BSN_INVALID_ARGUMENT', 'bad', {
      details: { field: 'x' },
      cause: new Error('inner'),
    });
    const wire = JSON.parse(JSON.stringify(err)) as Record<string, unknown>;
    assert.deepEqual(wire, { code: 'BSN_INVALID_ARGUMENT', message: 'bad', details: { field: 'x' } });
    assert.doesNotMatch(JSON.stringify(err), /at .*\.ts:\d+|stack|inner/);
  });

  it('isBsnError recognises BSN errors, optionally by code, and nothing else', () => {
    const err = new BsnError('BSN_HEX_INVALID', 'x');
    assert.equal(isBsnError(err), true);
    assert.equal(isBsnError(err, 'BSN_HEX_INVALID'), true);
    assert.equal(isBsnError(err, 'BSN_INTERNAL'), false);
    assert.equal(isBsnError(new Error('x')), false);
    assert.equal(isBsnError({ code: 'BSN_HEX_INVALID', message: 'x' }), false);
    assert.equal(isBsnError(null), false);
  });
});

describe('registerErrorCodes', () => {
  it('adds new codes to the catalogue', () => {
    registerErrorCodes({ BSN_TESTONLY_ADDED: { status: 418, description: 'Registered by a unit test.' } });
    assert.deepEqual(errorCatalog['BSN_TESTONLY_ADDED'], {
      status: 418,
      description: 'Registered by a unit test.',
    });
    assert.equal(new BsnError('BSN_TESTONLY_ADDED', 'x').status, 418);
  });

  it('accepts the same code registered again with the same meaning (a module imported twice)', () => {
    const entry = { status: 409, description: 'Registered twice, identically.' };
    registerErrorCodes({ BSN_TESTONLY_TWICE: entry });
    assert.doesNotThrow(() => registerErrorCodes({ BSN_TESTONLY_TWICE: { ...entry } }));
  });

  it('rejects a code registered again with a different status or description', () => {
    registerErrorCodes({ BSN_TESTONLY_CLASH: { status: 409, description: 'First meaning.' } });
    assert.throws(
      () => registerErrorCodes({ BSN_TESTONLY_CLASH: { status: 400, description: 'First meaning.' } }),
      /registered twice/,
    );
    assert.throws(
      () => registerErrorCodes({ BSN_TESTONLY_CLASH: { status: 409, description: 'Another meaning.' } }),
      /registered twice/,
    );
    assert.equal(errorCatalog['BSN_TESTONLY_CLASH']?.status, 409);
  });

  it('refuses to redefine a core code', () => {
    assert.throws(
      () => registerErrorCodes({ BSN_INTERNAL: { status: 400, description: 'hijacked' } }),
      /registered twice/,
    );
    assert.equal(errorCatalog['BSN_INTERNAL']?.status, 500);
  });

  it('rejects codes that do not match BSN_[A-Z0-9_]+', () => {
    for (const bad of ['LEDGER_X', 'bsn_ledger_x', 'BSN_', 'BSN_ledger', 'BSN_A-B', ' BSN_A']) {
      assert.throws(
        () => registerErrorCodes({ [bad]: { status: 400, description: 'x' } }),
        /must match/,
        bad,
      );
      assert.equal(errorCatalog[bad], undefined);
    }
  });

  it('every core code has a description and an HTTP error status', () => {
    for (const [code, entry] of Object.entries(errorCatalog)) {
      assert.match(code, /^BSN_[A-Z0-9_]+$/);
      assert.ok(entry.status >= 400 && entry.status <= 599, code);
      assert.ok(entry.description.length > 0, code);
    }
  });
});
