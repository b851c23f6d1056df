/**
 * Layout blocks rendered to a real PDF and read back with poppler: tables paginate with the header
 * repeated on every page, cells are never cut (a cell taller than a page continues on the next),
 * long unbreakable words stay inside the text box, and the output is tagged.
 */
import { createDocument } from './document';
import { Layout, PAGE } from './layout';
import { POPPLER_SKIP, pdfPagesText, wordBoxes } from './testing/poppler';

const maybe = POPPLER_SKIP ? describe.skip : describe;
if (POPPLER_SKIP) console.warn(`skipping PDF layout tests: ${POPPLER_SKIP}`);

async function render(draw: (L: Layout) => void): Promise<Uint8Array> {
  const { doc, bytes } = createDocument({ Title: 't', Author: 'a', Subject: 's', Keywords: 'k', CreationDate: new Date(0) });
  const L = new Layout(doc);
  draw(L);
  L.footer('footer');
  doc.end();
  return bytes;
}

maybe('layout (poppler)', () => {
  it('a 120-row table spans several pages, each starting with the header row; rows stay in order', async () => {
    const rows = Array.from({ length: 120 }, (_, i) => [`row${i}`, i % 7 === 0 ? 'a long wrapped cell '.repeat(8) : 'short', String(i * i)]);
    const pdf = await render((L) => {
      L.heading('Table', 1);
      L.table([{ header: 'Rowname', weight: 1 }, { header: 'Headertext', weight: 3 }, { header: 'Squared', weight: 1, align: 'right' }], rows);
    });
    const pages = pdfPagesText(pdf);
    expect(pages.length).toBeGreaterThanOrEqual(3);
    for (const p of pages) {
      expect(p.match(/Rowname|Headertext|Squared/g)?.sort()).toEqual(['Headertext', 'Rowname', 'Squared']);
      expect(p.indexOf('Rowname')).toBeLessThan(p.search(/row\d/)); // the header precedes the page's rows
    }
    const order = pages.join(' ').match(/row\d+/g)!.map((s) => Number(s.slice(3)));
    expect(order).toEqual(Array.from({ length: 120 }, (_, i) => i));
  });

  it('unbreakable 300-character words, in paragraphs and cells, and very long cells stay inside the text box', async () => {
    const word = 'x'.repeat(300);
    const pdf = await render((L) => {
      L.paragraph(`before ${word} after`);
      L.keyValues([['key', word, 'mono']]);
      L.table([{ header: 'A', weight: 1 }, { header: 'B', weight: 1 }], [[word, 'lorem ipsum '.repeat(400)], ['end', 'end']]);
      L.paragraph('closing paragraph');
    });
    const boxes = wordBoxes(pdf);
    expect(boxes.some((b) => b.word === 'closing')).toBe(true);
    const slack = 0.75;
    for (const b of boxes) {
      expect(b.xMin).toBeGreaterThanOrEqual(PAGE.margins.left - slack);
      expect(b.xMax).toBeLessThanOrEqual(PAGE.width - PAGE.margins.right + slack);
      expect(b.yMin).toBeGreaterThanOrEqual(PAGE.margins.top - 12);
      expect(b.yMax).toBeLessThanOrEqual(PAGE.height - 20);
    }
    // No cell is cut: all 400 repetitions are there (the cell is split across pages), in order.
    expect(boxes.filter((b) => b.word === 'lorem').length).toBe(400);
    expect(boxes.filter((b) => /^x+$/.test(b.word)).map((b) => b.word).join('')).toBe(word.repeat(3)); // paragraph, key/value, cell
  });

  it('when a heading falls near the page end, then it moves to the next page with its table', async () => {
    const pdf = await render((L) => {
      L.paragraph('filler');
      L.space(L.remaining - 40); // room for the heading, not for the table's header and first row
      L.heading('Kept heading', 2);
      L.table([{ header: 'Colhead', weight: 1 }], Array.from({ length: 40 }, (_, i) => [`cell${i}`]));
    });
    const pages = pdfPagesText(pdf);
    expect(pages[0]).not.toContain('Kept heading');
    expect(pages[1].indexOf('Kept heading')).toBeLessThan(pages[1].indexOf('Colhead'));
  });

  it('paragraphs longer than a page continue on the next page', async () => {
    const pdf = await render((L) => L.paragraph(Array.from({ length: 3000 }, (_, i) => `w${i}`).join(' ')));
    const pages = pdfPagesText(pdf);
    expect(pages.length).toBeGreaterThanOrEqual(2);
    expect(pages.join(' ')).toMatch(/w0 .* w2999/);
  });
});
