/** Events of the membership module; each carries the record's id (and what a node needs to act). */

/** `{id, fingerprint, gateway, p2p}` */
export const PCN_ADMITTED = 'PcnAdmitted';
/** `{id, fingerprint, gateway, p2p}` */
export const PCN_UPDATED = 'PcnUpdated';
/** `{id}` */
export const PCN_REMOVED = 'PcnRemoved';
/** `{id, caFingerprint}` */
export const ORGANISATION_ADMITTED = 'OrganisationAdmitted';
/** `{id}` */
export const ORGANISATION_REMOVED = 'OrganisationRemoved';
/** `{id, org, url, fingerprint}` */
export const PORTAL_ADMITTED = 'PortalAdmitted';
/** `{id}` */
export const PORTAL_REMOVED = 'PortalRemoved';
