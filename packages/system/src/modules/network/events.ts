/** Events of the network module. */

/** Emitted once by `init`. */
export const NETWORK_INITIALISED = 'NetworkInitialised';
