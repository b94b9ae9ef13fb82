import './errors.js';

export type { OrderingErrorCode } from './errors.js';
export { encodeFrame, FramedFile, type FramedFileRecovery } from './framed-file.js';
export {
  type OrdererConfig,
  OrdererConfigSchema,
  ordererMain,
  parseOrdererArgs,
  type RunningOrderer,
  runOrderer,
} from './main.js';
export type { Orderer, SubmitResult, TransactionStatus } from './orderer.js';
export {
  defaultOrdererServerOptions,
  type InspectableOrderer,
  OrdererServer,
  type OrdererServerModules,
  type OrdererServerOptions,
  type OrdererServerTls,
  ordererErrorResponse,
} from './orderer-server.js';
export {
  defaultRemoteOrdererOptions,
  RemoteOrderer,
  type RemoteOrdererInit,
  type RemoteOrdererOptions,
  type RemoteOrdererStats,
  type RemoteOrdererTls,
} from './remote-orderer.js';
export {
  defaultSoloOrdererOptions,
  SoloOrderer,
  type SoloOrdererInit,
  type SoloOrdererModules,
  type SoloOrdererOptions,
  type SoloOrdererStats,
} from './solo-orderer.js';
export { ORDERING_CHAIN_ID_PATTERN, SubmittedTransactionSchema } from './transaction-schema.js';
