// 预算台账 — the finance bureau's ledger of approved budgets, by department and year (amounts in yuan).
const fail = (code, message) => {
  throw Object.assign(new Error(message), { code });
};

module.exports.allocate = (args, ctx) => {
  if (!Number.isSafeInteger(args.amount) || args.amount <= 0)
    fail('BAD_AMOUNT', 'the amount is a positive whole number');
  const key = `budget/${args.dept}/${args.year}`;
  const current = lz.get(key) ?? { total: 0, items: [] };
  const next = {
    total: current.total + args.amount,
    items: [...current.items, { case: args.case, amount: args.amount, at: ctx.time }],
  };
  lz.put(key, next);
  lz.emit('budgetAllocated', { dept: args.dept, year: args.year, amount: args.amount, case: args.case });
  return { total: next.total };
};

module.exports.get = (args) => lz.get(`budget/${args.dept}/${args.year}`);
