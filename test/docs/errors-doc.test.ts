import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderErrorDoc } from '../../src/util/error-codes/render-doc.js';

describe('docs/errors.md', () => {
  it('lists exactly the codes of the catalog (run `npm run docs:errors` after adding one)', () => {
    expect(readFileSync('docs/errors.md', 'utf8')).toBe(renderErrorDoc());
  });
});
