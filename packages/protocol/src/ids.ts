/** Identifier patterns shared by the configuration, certificates and policies. */

/** Organisation ids, e.g. `market`; certificates carry them as O. */
export const ORG_ID_PATTERN = /^[a-z][a-z0-9-]{1,31}$/;
/** Node, key and member ids, e.g. `market-node`, `market-0001`. */
export const KEY_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
