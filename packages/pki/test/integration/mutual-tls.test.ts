import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { TLSSocket } from 'node:tls';
import {
  type Credential,
  createRootCa,
  issueCaCertificate,
  issueNodeCertificate,
  issueUserCertificate,
  mutualTlsOptions,
  parseCertificate,
  TrustStore,
  verifyTlsPeer,
} from '../../src/index.js';

function cred(issued: { certPem: string; keyPem?: string }): Credential {
  return { certPem: issued.certPem, keyPem: issued.keyPem! };
}

interface Network {
  root: Credential;
  ca: Credential;
  nodeA: Credential;
  nodeB: Credential;
}

async function network(name: string, alg: 'ecdsa-p256-sha256' | 'ed25519'): Promise<Network> {
  const root = await createRootCa({ commonName: `${name} Root`, organization: name, algorithm: alg });
  const ca = cred(
    await issueCaCertificate(root, {
      commonName: `${name} PCN CA`,
      organization: name,
      purpose: 'pcn',
      algorithm: alg,
    }),
  );
  const nodeA = cred(
    await issueNodeCertificate(ca, {
      id: 'pcn-a',
      organization: name,
      hosts: ['localhost', '127.0.0.1'],
      algorithm: alg,
    }),
  );
  const nodeB = cred(
    await issueNodeCertificate(ca, { id: 'pcn-b', organization: name, hosts: ['localhost'], algorithm: alg }),
  );
  return { root, ca, nodeA, nodeB };
}

for (const alg of ['ecdsa-p256-sha256', 'ed25519'] as const) {
  describe(`mutual TLS between PCNs with ${alg} node certificates`, () => {
    let net: Network;
    let stranger: Network;
    let server: Server;
    let port: number;
    let store: TrustStore;
    const seen: { cn: string; check: string }[] = [];

    before(async () => {
      net = await network('BSN', alg);
      stranger = await network('Evil', alg);
      store = new TrustStore({ roots: [net.root.certPem] });
      server = createServer(
        mutualTlsOptions(net.nodeA, { roots: [net.root.certPem], chain: [net.ca.certPem] }),
        (req, res) => {
          const socket = req.socket as TLSSocket;
          const check = verifyTlsPeer(socket, store, 'node');
          seen.push({
            cn: String(socket.getPeerCertificate().subject?.CN ?? ''),
            check: check.ok ? 'ok' : check.code,
          });
          res
            .writeHead(check.ok ? 200 : 403)
            .end(check.ok ? `hello ${check.leaf.subject.commonName}` : check.code);
        },
      );
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });

    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    function get(
      client: Credential,
      chain: string[],
      roots: string[],
    ): Promise<{ status: number; body: string }> {
      return new Promise((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            servername: 'localhost',
            port,
            path: '/',
            method: 'GET',
            agent: false,
            ...mutualTlsOptions(client, { roots, chain }),
          },
          (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => {
              body += c;
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.end();
      });
    }

    it('serves a client with another node certificate of the same network', async () => {
      const res = await get(net.nodeB, [net.ca.certPem], [net.root.certPem]);
      assert.equal(res.status, 200);
      assert.equal(res.body, 'hello pcn-b');
    });

    it('refuses in the handshake a client certificate from another root', async () => {
      await assert.rejects(
        get(stranger.nodeA, [stranger.ca.certPem], [net.root.certPem]),
        (err: NodeJS.ErrnoException) => {
          assert.match(String(err.code ?? err.message), /ECONNRESET|ERR_SSL|alert|socket hang up|EPIPE/i);
          return true;
        },
      );
    });

    it('refuses a server whose certificate is from another root', async () => {
      await assert.rejects(
        get(net.nodeB, [net.ca.certPem], [stranger.root.certPem]),
        (err: NodeJS.ErrnoException) => {
          assert.match(
            String(err.code),
            /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT|SELF_SIGNED/,
          );
          return true;
        },
      );
    });

    it('answers 403 BSN_PKI_REVOKED to a node whose certificate was revoked after the handshake succeeded', async () => {
      store.revoke(parseCertificate(net.nodeB.certPem).fingerprint);
      const res = await get(net.nodeB, [net.ca.certPem], [net.root.certPem]);
      assert.equal(res.status, 403);
      assert.equal(res.body, 'BSN_PKI_REVOKED');
    });

    it('answers 403 BSN_PKI_KEY_USAGE to a user certificate, which OpenSSL lets through as a client', async () => {
      const orgCa = cred(
        await issueCaCertificate(net.root, {
          commonName: 'Org CA',
          organization: 'Org',
          purpose: 'org',
          algorithm: alg,
        }),
      );
      const user = cred(
        await issueUserCertificate(orgCa, {
          id: 'alice',
          organization: 'Org',
          role: 'client',
          algorithm: alg,
        }),
      );
      const res = await get(user, [orgCa.certPem], [net.root.certPem]);
      assert.equal(res.status, 403);
      assert.equal(res.body, 'BSN_PKI_KEY_USAGE');
      assert.ok(seen.some((s) => s.cn === 'alice' && s.check === 'BSN_PKI_KEY_USAGE'));
    });
  });
}
