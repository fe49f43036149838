// 不动产登记簿 — the real-estate centre's register. Owners are recorded as commitments (hashes), never names or ID
// numbers. `isOwner` is the automatic check of the workflow realestate-transfer, `transfer` its outcome; `record`
// enters a property (first registration) and is guarded by its own policy.
const fail = (code, message) => {
  throw Object.assign(new Error(message), { code });
};
const HEX64 = /^[0-9a-f]{64}$/;

module.exports.record = (args, ctx) => {
  if (!/^[A-Z0-9-]{6,32}$/.test(String(args.propertyId)))
    fail('BAD_PROPERTY_ID', 'a property id has 6–32 characters A–Z, 0–9, -');
  if (!HEX64.test(String(args.owner)))
    fail('OWNER_NOT_COMMITMENT', 'the owner must be a commitment (64 hex characters)');
  if (lz.get(`property/${args.propertyId}`) !== null) fail('ALREADY_RECORDED', 'the property is already recorded');
  lz.put(`property/${args.propertyId}`, { owner: args.owner, since: ctx.time, by: ctx.caller.org });
  return { propertyId: args.propertyId };
};

module.exports.isOwner = (args) => {
  const p = lz.get(`property/${args.propertyId}`);
  return p !== null && p.owner === args.owner;
};

module.exports.transfer = (args, ctx) => {
  const p = lz.get(`property/${args.propertyId}`);
  if (p === null) fail('UNKNOWN_PROPERTY', 'no such property');
  if (p.owner !== args.from) fail('NOT_OWNER', 'the seller is not the recorded owner');
  if (!HEX64.test(String(args.to))) fail('OWNER_NOT_COMMITMENT', 'the buyer must be a commitment (64 hex characters)');
  lz.put(`property/${args.propertyId}`, { owner: args.to, since: ctx.time, previous: args.from, case: args.case });
  lz.emit('ownershipTransferred', { propertyId: args.propertyId, case: args.case });
  return { propertyId: args.propertyId, certificate: `BDC-${args.case.slice(0, 12).toUpperCase()}` };
};

module.exports.get = (args) => lz.get(`property/${args.propertyId}`);
