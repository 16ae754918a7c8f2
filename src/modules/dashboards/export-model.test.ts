import { describe, expect, it } from 'vitest';
import { fileStem } from './export-files.ts';
import { filterText, generatedText, htmlToText } from './export-model.ts';
import { renderMarkdown } from './markdown.ts';

describe('export model', () => {
  it('reads a text widget as plain lines, entities decoded, nothing of the markup left', () => {
    const text = htmlToText(renderMarkdown('## Notes\n\nRevenue &amp; costs <b>grew</b> by 5 < 6.\n\n- one\n- two'));
    expect(text).toBe('Notes\nRevenue & costs grew by 5 < 6.\n• one\n• two');
  });

  it('shows each kind of filter value as a person reads it', () => {
    expect(filterText('red')).toBe('red');
    expect(filterText({ from: '2026-07-01', to: '2026-09-30' })).toBe('2026-07-01 – 2026-09-30');
    expect(filterText({ min: 3 })).toBe('at least 3');
    expect(filterText({ min: 3, max: 9 })).toBe('3 – 9');
    expect(filterText(null)).toBe('any');
  });

  it("writes the generation time in the org's zone, UTC for a zone Intl does not know", () => {
    const at = new Date('2026-12-06T18:30:00Z');
    expect(generatedText(at, 'Asia/Tokyo')).toBe('7 December 2026 at 03:30 (Asia/Tokyo)');
    expect(generatedText(at, 'Mars/Olympus')).toBe('6 December 2026 at 18:30 (UTC)');
  });

  it('names the file after the dashboard in characters any system keeps', () => {
    expect(fileStem('Ventes été 2026 / Q3')).toBe('Ventes-ete-2026-Q3');
    expect(fileStem('…')).toBe('dashboard');
  });
});
