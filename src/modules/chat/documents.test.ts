import { describe, expect, it } from 'vitest';
import { AppError } from '../../core/errors.ts';
import { pdfOf } from '../../../test/pdf-pages.ts';
import { extractText, kindOfFile, kindOfName } from './documents.ts';

async function refusal(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe('kinds', () => {
  it('come from the extension, any case, else from the media type', () => {
    expect(kindOfName('Notes.MD')).toBe('markdown');
    expect(kindOfName('q3.csv')).toBe('csv');
    expect(kindOfName('report.pdf')).toBe('pdf');
    expect(kindOfName('README')).toBeNull();
    expect(kindOfName('photo.png')).toBeNull();
    expect(kindOfFile('text/csv; charset=utf-8', 'x.bin')).toBe('csv');
    expect(kindOfFile('application/octet-stream', 'minutes.txt')).toBe('text');
    expect(kindOfFile('application/x-duckdb', 'sales.duckdb')).toBeNull();
  });
});

describe('extractText', () => {
  it('reads UTF-8 text as it is, line breaks made \\n, and cuts it at the limit without splitting a character', async () => {
    expect(await extractText(Buffer.from('# Title\r\nZoë’s notes\r\n'), 'markdown', 1000)).toEqual({ text: '# Title\nZoë’s notes\n', truncated: false, pages: null });
    const emoji = await extractText(Buffer.from('ab😀cd'), 'text', 3);
    expect(emoji).toEqual({ text: 'ab', truncated: true, pages: null });
  });

  it('refuses what is not text: invalid UTF-8, NUL bytes', async () => {
    expect((await refusal(extractText(Buffer.from([0x61, 0xff, 0xfe]), 'csv', 100))).code).toBe('CHAT.ATTACHMENT_UNREADABLE');
    expect((await refusal(extractText(Buffer.from('a\u0000b'), 'text', 100))).message).toMatch(/binary/);
  });

  it("reads a PDF's pages in order, counts them, and cuts at the limit", async () => {
    const pdf = await pdfOf([['Quarterly review', 'Revenue grew 12%.'], ['Second page: risks.']]);
    const read = await extractText(pdf, 'pdf', 10_000);
    expect(read.pages).toBe(2);
    expect(read.truncated).toBe(false);
    expect(read.text).toMatch(/Quarterly review\s+Revenue grew 12%\.\s+Second page: risks\./);
    expect(read.text.indexOf('Quarterly')).toBeLessThan(read.text.indexOf('Second page'));
    const cut = await extractText(pdf, 'pdf', 10);
    expect(cut).toMatchObject({ text: 'Quarterly ', truncated: true, pages: 2 });
    // The bytes given are not taken over: they can still be stored.
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('refuses a PDF that is not one, is damaged, or holds no text', async () => {
    expect((await refusal(extractText(Buffer.from('just text'), 'pdf', 100))).message).toMatch(/not a PDF/);
    const pdf = await pdfOf([['x']]);
    expect((await refusal(extractText(pdf.subarray(0, 200), 'pdf', 100))).code).toBe('CHAT.ATTACHMENT_UNREADABLE');
    expect((await refusal(extractText(await pdfOf([[]]), 'pdf', 100))).message).toMatch(/no text/);
  });
});
