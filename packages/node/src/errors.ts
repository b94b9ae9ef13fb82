import { registerErrorCodes } from '@bsn/core';

/** Error codes of the PCN daemon (config, chain hosting, votes). */
export const nodeErrorCodes = {
  BSN_NODE_CONFIG_INVALID: {
    status: 400,
    description: 'The node configuration file is missing, unreadable or has an invalid field.',
  },
  BSN_NODE_CHAIN_HALTED: {
    status: 503,
    description:
      'This node halted the chain because its results disagree with a commit certificate; it serves nothing it cannot prove.',
  },
  BSN_NODE_VOTE_INVALID: {
    status: 400,
    description: 'A commit vote is malformed, from a non-hosting node, or badly signed.',
  },
  BSN_NODE_PEER_UNKNOWN: { status: 403, description: 'The peer presented a certificate of no member node.' },
  BSN_NODE_SIGNER_ORG_MISMATCH: {
    status: 401,
    description:
      "A certificate's organisation (O) differs from its issuing CA's: one tenant's CA cannot speak for another.",
  },
  BSN_GATEWAY_CONTRACT_ERROR: {
    status: 422,
    description:
      'The contract method failed with its own error code (details.contractCode, details.contractMessage).',
  },
  BSN_NODE_NOT_READY: {
    status: 503,
    description: 'The node is starting or catching up and cannot answer yet.',
  },
} as const;

registerErrorCodes(nodeErrorCodes);
