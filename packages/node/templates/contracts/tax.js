// 税务 — the tax clearance of a property transfer (契税完税). The tax officer records the payment; the workflow
// realestate-transfer checks `cleared` before the registrar may register the transfer.
const fail = (code, message) => {
  throw Object.assign(new Error(message), { code });
};

module.exports.clear = (args, ctx) => {
  if (!/^[A-Z0-9-]{6,32}$/.test(String(args.propertyId))) fail('BAD_PROPERTY_ID', 'a property id has 6–32 characters');
  if (!Number.isSafeInteger(args.amount) || args.amount < 0) fail('BAD_AMOUNT', 'the amount is a whole number of fen');
  lz.put(`cleared/${args.propertyId}`, {
    amount: args.amount,
    receipt: args.receipt ?? null,
    at: ctx.time,
    by: ctx.caller.member ?? null,
  });
  lz.emit('taxCleared', { propertyId: args.propertyId, amount: args.amount });
  return true;
};

module.exports.cleared = (args) => lz.get(`cleared/${args.propertyId}`) !== null;
