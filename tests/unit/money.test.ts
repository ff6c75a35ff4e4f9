import fc from 'fast-check';
import { centavosToPesos, MAX_AMOUNT_CENTAVOS, pesosToCentavos } from '../../lib/payments/money.js';

const ok = (value: unknown) => {
  const result = pesosToCentavos(value);
  if (!result.ok) throw new Error(`expected ${String(value)} to be accepted: ${result.reason}`);
  return result.centavos;
};
const refused = (value: unknown) => pesosToCentavos(value).ok === false;

describe('pesosToCentavos', () => {
  it.each([
    [1000, 100000],
    ['1000', 100000],
    [1000.5, 100050],
    ['1000.50', 100050],
    ['10.07', 1007],
    [10.07, 1007],
    [0.01, 1],
    ['0.1', 10],
    [21474836.47, MAX_AMOUNT_CENTAVOS],
  ])('%p pesos -> %p centavos', (pesos, centavos) => {
    expect(ok(pesos)).toBe(centavos);
  });

  it.each([
    0,
    '0',
    '0.00',
    -1,
    '-5',
    10.075,
    '10.075',
    '1e3',
    1e21,
    'NaN',
    Number.NaN,
    Number.POSITIVE_INFINITY,
    '',
    ' 10',
    '10 ',
    '01',
    '+5',
    '.5',
    '5.',
    '1,000',
    null,
    true,
    [],
    {},
    21474836.48,
  ])('refuses %p', (value) => {
    expect(refused(value)).toBe(true);
  });

  it('reads any whole-centavo amount exactly, from its string or number form', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_AMOUNT_CENTAVOS }), (centavos) => {
        const text = centavosToPesos(centavos);
        expect(ok(text)).toBe(centavos);
        // The JSON number a storefront would send for that amount, e.g. 1007 -> 10.07.
        expect(ok(Number(text))).toBe(centavos);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses every amount with a third decimal digit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 99_999_999 }),
        fc.integer({ min: 1, max: 9 }),
        (centavos, extra) => {
          const text = `${centavosToPesos(centavos)}${extra}`;
          expect(refused(text)).toBe(true);
          expect(refused(Number(text))).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('refuses every non-positive number', () => {
    fc.assert(
      fc.property(fc.double({ max: 0, noNaN: true }), (value) => {
        expect(refused(value)).toBe(true);
      }),
    );
  });

  it('is the inverse of centavosToPesos and never differs from integer arithmetic', () => {
    fc.assert(
      fc.property(fc.nat({ max: 21_474_835 }), fc.nat({ max: 99 }), (whole, cents) => {
        fc.pre(whole > 0 || cents > 0);
        const text = `${whole}.${String(cents).padStart(2, '0')}`;
        expect(ok(text)).toBe(whole * 100 + cents);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('centavosToPesos', () => {
  it.each([
    [100000, '1000.00'],
    [1007, '10.07'],
    [5, '0.05'],
    [0, '0.00'],
  ])('%p -> %p', (centavos, text) => {
    expect(centavosToPesos(centavos)).toBe(text);
  });
  it('writes a negative amount with its sign, built from the digits of its absolute value', () => {
    // Without the sign a shortfall would read as that much money.
    expect(centavosToPesos(-5)).toBe('-0.05');
    expect(centavosToPesos(-100050)).toBe('-1000.50');
  });
  it('refuses fractional centavos, saying what it got', () => {
    expect(() => centavosToPesos(1.5)).toThrow(RangeError);
    expect(() => centavosToPesos(1.5)).toThrow('centavos must be a safe integer, got 1.5');
  });
});
