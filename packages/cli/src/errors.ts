import { registerErrorCodes } from '@bsn/core';

/** Error codes of the `bsn` command. */
registerErrorCodes({
  BSN_CLI_NO_NETWORK: {
    status: 404,
    description: 'No network.json in the folder given by --dir: run `bsn up` first.',
  },
  BSN_CLI_INVALID_ARGUMENT: { status: 400, description: 'A command-line argument is missing or not valid.' },
  BSN_CLI_NOT_FOUND: {
    status: 404,
    description: 'A named organisation, identity, service or file does not exist.',
  },
  BSN_CLI_TIMEOUT: { status: 504, description: 'The network did not reach the expected state in time.' },
  BSN_CLI_PORT_IN_USE: { status: 409, description: 'A port the network needs is taken by another program.' },
});
