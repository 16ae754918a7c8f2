// The Markdown output: the pages as `.md` files in a ZIP, `index.md` first, linked to each other
// by relative paths that resolve inside the archive (pages/site.ts), readable in any Markdown
// viewer or a Git host once unpacked.
import { checkedPage } from './defang.ts';
import type { DocPage } from './pages/site.ts';
import { zipOf } from './zip.ts';

export async function writeMarkdownZip(pages: readonly DocPage[], generatedAt: Date, onPage: () => Promise<void>): Promise<Buffer> {
  const entries: { name: string; data: string }[] = [];
  for (const page of pages) {
    entries.push({ name: page.slug, data: `${checkedPage(page.markdown).markdown}\n` });
    await onPage();
  }
  return zipOf(entries, generatedAt);
}
