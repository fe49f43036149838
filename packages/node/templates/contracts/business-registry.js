// 企业登记簿 — the market regulator's register of companies and their business licences (营业执照).
// Used by the workflow business-licence: `available` is its automatic name check, `register` its outcome.
const fail = (code, message) => {
  throw Object.assign(new Error(message), { code });
};
const keyOf = (name) => `company/${String(name).trim()}`;

module.exports.available = (args) => {
  if (typeof args.name !== 'string' || args.name.trim() === '') fail('NAME_REQUIRED', 'a company name is required');
  return lz.get(keyOf(args.name)) === null;
};

module.exports.register = (args, ctx) => {
  if (lz.get(keyOf(args.name)) !== null) fail('NAME_TAKEN', 'the company name is already registered');
  if (!/^91[0-9A-Z]{16}$/.test(String(args.licenceNo)))
    fail('BAD_LICENCE_NO', 'a unified social credit code has 18 characters');
  if (lz.get(`licence/${args.licenceNo}`) !== null) fail('LICENCE_TAKEN', 'this licence number is already used');
  const company = {
    name: args.name.trim(),
    type: args.type,
    licenceNo: args.licenceNo,
    case: args.case,
    registeredAt: ctx.time,
    height: ctx.height,
  };
  lz.put(keyOf(args.name), company);
  lz.put(`licence/${args.licenceNo}`, { name: company.name, case: args.case });
  lz.emit('licenceIssued', { licenceNo: args.licenceNo, name: company.name, case: args.case });
  return company;
};

module.exports.get = (args) => lz.get(keyOf(args.name));
