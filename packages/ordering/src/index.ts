import './errors.js';

export type { OrderingErrorCode } from './errors.js';
export { encodeFrame, FramedFile, type FramedFileRecovery } from './framed-file.js';
export type { Orderer, SubmitResult, TransactionStatus } from './orderer.js';
export {
  defaultSoloOrdererOptions,
  SoloOrderer,
  type SoloOrdererInit,
  type SoloOrdererModules,
  type SoloOrdererOptions,
  type SoloOrdererStats,
} from './solo-orderer.js';
export { ORDERING_CHAIN_ID_PATTERN, SubmittedTransactionSchema } from './transaction-schema.js';
