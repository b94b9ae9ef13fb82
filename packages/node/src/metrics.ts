/**
 * Prometheus metrics of a PCN. Names end in their unit (Lodestar/Prometheus convention); one
 * registry per node instance (no global default registry), so several nodes can run in one process in tests.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The node's metrics. */
export interface NodeMetrics {
  readonly registry: Registry;
  readonly chainHeight: Gauge<'chain'>;
  readonly certifiedHeight: Gauge<'chain'>;
  readonly chainHalted: Gauge<'chain'>;
  readonly transactionsTotal: Counter<'chain'>;
  readonly signaturesPreverifiedTotal: Counter<'chain'>;
  readonly blockCommitSeconds: Histogram<'chain'>;
  readonly httpRequestsTotal: Counter<'route' | 'status'>;
  readonly httpRequestSeconds: Histogram<'route'>;
  readonly submitRejectedTotal: Counter<'code'>;
}

/** Creates the metrics of one node in a fresh registry. */
export function createNodeMetrics(defaultMetrics = true): NodeMetrics {
  const registry = new Registry();
  if (defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'bsn_node_' });
  const registers = [registry];
  return {
    registry,
    chainHeight: new Gauge({
      name: 'bsn_chain_height_blocks',
      help: 'Height of the last committed block',
      labelNames: ['chain'],
      registers,
    }),
    certifiedHeight: new Gauge({
      name: 'bsn_chain_certified_height_blocks',
      help: 'Height of the last block with a commit certificate',
      labelNames: ['chain'],
      registers,
    }),
    chainHalted: new Gauge({
      name: 'bsn_chain_halted',
      help: '1 when this node halted the chain because its results disagree with a certificate',
      labelNames: ['chain'],
      registers,
    }),
    transactionsTotal: new Counter({
      name: 'bsn_transactions_committed_total',
      help: 'Transactions committed (ok or failed receipts)',
      labelNames: ['chain'],
      registers,
    }),
    signaturesPreverifiedTotal: new Counter({
      name: 'bsn_signatures_preverified_total',
      help: 'Transaction signatures verified on the signature threads before their block executed',
      labelNames: ['chain'],
      registers,
    }),
    blockCommitSeconds: new Histogram({
      name: 'bsn_block_commit_seconds',
      help: 'Time to execute and commit a block',
      labelNames: ['chain'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    httpRequestsTotal: new Counter({
      name: 'bsn_gateway_requests_total',
      help: 'Gateway requests by route and status',
      labelNames: ['route', 'status'],
      registers,
    }),
    httpRequestSeconds: new Histogram({
      name: 'bsn_gateway_request_seconds',
      help: 'Gateway request duration',
      labelNames: ['route'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers,
    }),
    submitRejectedTotal: new Counter({
      name: 'bsn_gateway_rejected_transactions_total',
      help: 'Transactions rejected before ordering, by error code',
      labelNames: ['code'],
      registers,
    }),
  };
}
