import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { ReportExportResponse } from '../../../functions/contracts/api.ts';

describe('the report export’s contract', () => {
  it('says the link may stop working before expiresAt, when the signing credentials expire', () => {
    const schema = z.toJSONSchema(ReportExportResponse) as {
      properties: Record<string, { description?: string }>;
    };
    for (const field of ['url', 'expiresAt']) {
      expect(schema.properties[field]?.description, field).toMatch(
        /15 minutes, or until the function's credentials expire if sooner/,
      );
    }
  });
});
