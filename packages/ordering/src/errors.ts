/**
 * The error codes of the ordering service, registered with their HTTP statuses at import time so
 * the orderer's HTTP server (and a gateway in front of it) answers each with the right status.
 */
import { registerErrorCodes } from '@bsn/core';

const codes = {
  BSN_ORDERING_DUPLICATE: {
    status: 409,
    description: 'A transaction with this txId is already pending or ordered.',
  },
  BSN_ORDERING_EXPIRED: {
    status: 422,
    description: 'The transaction has expired (its `expires` is before the orderer clock).',
  },
  BSN_ORDERING_TTL_TOO_LONG: {
    status: 422,
    description:
      'The transaction expires further in the future than the orderer remembers txIds for replay protection.',
  },
  BSN_ORDERING_CLOSED: { status: 503, description: 'The orderer is closed or closing.' },
  BSN_ORDERING_UNKNOWN_CHAIN: { status: 404, description: 'The orderer does not order this chain.' },
  BSN_ORDERING_CHAIN_LIMIT: {
    status: 503,
    description:
      'The orderer already orders as many chains as it may (maxChains): each keeps a file open. Raise the limit (and the process file limit) or restrict which chains this orderer orders.',
  },
  BSN_ORDERING_STREAM_LIMIT: {
    status: 429,
    description:
      'The client already holds as many block streams as the orderer allows one client (maxStreamsPerClient); a client is a TLS client certificate, or else an address. End a stream or raise the limit.',
  },
  BSN_ORDERING_OVERLOADED: {
    status: 503,
    description: 'The orderer queue is full; retry after a short delay.',
  },
  BSN_ORDERING_MALFORMED: {
    status: 400,
    description: 'The submitted transaction does not match the SignedTransaction schema.',
  },
  BSN_ORDERING_TOO_LARGE: {
    status: 413,
    description: 'The submitted transaction is larger than the orderer accepts.',
  },
  BSN_ORDERING_STORAGE: {
    status: 503,
    description:
      'The orderer could not write its log durably (disk full or I/O error); nothing was acknowledged.',
  },
  BSN_ORDERING_CORRUPT: {
    status: 500,
    description:
      'An orderer log file is damaged somewhere other than a torn last record; the orderer refuses to start.',
  },
  BSN_ORDERING_LOCKED: {
    status: 409,
    description: 'Another live orderer process holds the data directory.',
  },
  BSN_ORDERING_NOT_FOUND: {
    status: 404,
    description: 'No such route or resource on the orderer service.',
  },
  BSN_ORDERING_UNAVAILABLE: {
    status: 503,
    description:
      'The remote orderer could not be reached or answered with something other than the orderer API.',
  },
} as const;

registerErrorCodes(codes);

/** Every code the ordering package raises. */
export type OrderingErrorCode = keyof typeof codes;
