import fc from 'fast-check';
import { readChunks, writeChunks } from '../../lib/tables/chunkedProperty';

describe('chunked table properties', () => {
  it('round-trips any string and keeps every property under the 32K-character limit', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100_000, size: 'max' }), (value) => {
        const entity = writeChunks('scopes', value);
        for (const [key, part] of Object.entries(entity))
          if (key !== 'scopesChunks') expect((part as string).length).toBeLessThanOrEqual(32_000);
        expect(readChunks('scopes', entity)).toBe(value);
      }),
      { numRuns: 50 },
    );
    expect(readChunks('scopes', writeChunks('scopes', 'x'.repeat(70_000)))).toHaveLength(70_000);
    expect(writeChunks('scopes', 'x'.repeat(70_000)).scopesChunks).toBe(3);
  });
});
