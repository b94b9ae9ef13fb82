/** Test helper: a throw-away CA, a server certificate for 127.0.0.1 and client certificates, made with @bsn/pki. */
import { type Credential, createRootCa, issueNodeCertificate } from '@bsn/pki';

/**
 * A CA valid for a day, a server certificate for 127.0.0.1 and one client certificate per name in
 * `clients`, all node certificates (server and client auth) signed by the CA.
 */
export async function makeCertificates(
  clients: readonly string[],
): Promise<{ caPem: string; server: Credential; clients: Credential[] }> {
  const ca = await createRootCa({ commonName: 'test CA', organization: 'test', validDays: 1 });
  const issue = async (id: string): Promise<Credential> => {
    const { certPem, keyPem } = await issueNodeCertificate(ca, {
      id,
      organization: 'test',
      hosts: ['127.0.0.1'],
      validDays: 1,
    });
    return { certPem, keyPem: keyPem as string };
  };
  return { caPem: ca.certPem, server: await issue('server'), clients: await Promise.all(clients.map(issue)) };
}
