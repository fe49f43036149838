// 预算台账 — the finance bureau's ledger of approved budgets, by department and year (amounts in yuan): a total per
// department and year, and one record per approved case.
const fail = (code, message) => {
  throw Object.assign(new Error(message), { code });
};

module.exports.allocate = (args, ctx) => {
  if (!Number.isSafeInteger(args.amount) || args.amount <= 0)
    fail('BAD_AMOUNT', 'the amount is a positive whole number');
  const entry = `allocation/${args.dept}/${args.year}/${args.case}`;
  if (lz.get(entry) !== null) fail('ALREADY_ALLOCATED', 'this case is already allocated');
  const key = `budget/${args.dept}/${args.year}`;
  const current = lz.get(key) ?? { total: 0, count: 0 };
  const next = { total: current.total + args.amount, count: current.count + 1 };
  lz.put(key, next);
  lz.put(entry, { amount: args.amount, at: ctx.time });
  lz.emit('budgetAllocated', { dept: args.dept, year: args.year, amount: args.amount, case: args.case });
  return next;
};

module.exports.get = (args) => lz.get(`budget/${args.dept}/${args.year}`);
