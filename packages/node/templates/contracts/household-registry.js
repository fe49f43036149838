// 户籍登记 — the household register of the public-security bureaus. Persons are commitments (hashes of the ID number
// with a salt held off chain), never names. Used by household-migration (residentIn check, move outcome) and
// birth-registration (mother's household check, addBirth outcome).
const fail = (code, message) => {
  throw Object.assign(new Error(message), { code });
};
const HEX64 = /^[0-9a-f]{64}$/;
const person = (p) => {
  if (!HEX64.test(String(p))) fail('PERSON_NOT_COMMITMENT', 'a person is a commitment (64 hex characters)');
  return p;
};

module.exports.enter = (args, ctx) => {
  lz.put(`person/${person(args.person)}`, { bureau: args.bureau, since: ctx.time });
  return true;
};

module.exports.residentIn = (args) => {
  const r = lz.get(`person/${person(args.person)}`);
  return r !== null && r.bureau === args.bureau;
};

module.exports.move = (args, ctx) => {
  const r = lz.get(`person/${person(args.person)}`);
  if (r === null || r.bureau !== args.from)
    fail('NOT_RESIDENT', 'the person is not registered at the bureau they leave');
  lz.put(`person/${args.person}`, { bureau: args.to, since: ctx.time, previous: args.from, case: args.case });
  lz.emit('moved', { from: args.from, to: args.to, case: args.case });
  return { bureau: args.to };
};

module.exports.addBirth = (args, ctx) => {
  if (lz.get(`person/${person(args.child)}`) !== null) fail('ALREADY_REGISTERED', 'the child is already registered');
  lz.put(`person/${args.child}`, {
    bureau: args.bureau,
    since: ctx.time,
    born: args.birthDate,
    mother: person(args.mother),
    case: args.case,
  });
  lz.emit('birthRegistered', { bureau: args.bureau, case: args.case });
  return { bureau: args.bureau };
};
