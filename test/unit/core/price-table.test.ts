import { describe, expect, it } from 'vitest';
import { sesInboundCost } from '../../../functions/core/cost/price-table.ts';

describe('SES inbound cost', () => {
  it('charges per mail and per started 256 KB chunk (hand-computed)', () => {
    // 1,000 small mails: $0.10 + 1,000 chunks × $0.09/1,000 = $0.19
    expect(sesInboundCost(Array.from({ length: 1000 }, () => 10_000))).toBeCloseTo(0.19, 10);
    // one 600 KB mail: $0.0001 + 3 chunks × $0.00009 = $0.00037
    expect(sesInboundCost([600 * 1024])).toBeCloseTo(0.00037, 10);
  });
});
