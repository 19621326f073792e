/**
 * The stylesheet of the printed breach documents (report drafts, notices
 * to subjects): A4 pages, Japanese fonts, nothing that prints as a screen
 * artefact.
 */

/** A `<style>` element for an A4 document, on screen and in print. */
export const A4_STYLE = `<style>
@page { size: A4; margin: 20mm 18mm; }
body { font-family: "Hiragino Mincho ProN", "Yu Mincho", "Noto Serif JP", serif; font-size: 10.5pt; line-height: 1.7; max-width: 174mm; margin: 0 auto; }
h1 { font-size: 15pt; text-align: center; }
h2 { font-size: 12pt; border-bottom: 1px solid #000; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #000; padding: 2mm; vertical-align: top; text-align: left; }
th { width: 32%; font-weight: normal; background: #f2f2f2; }
.to-fill { color: #b00; }
.right { text-align: right; }
@media print {
  body { max-width: none; }
  th { background: none; }
  section, table, tr { page-break-inside: avoid; }
  .page { page-break-after: always; }
  .page:last-child { page-break-after: auto; }
}
</style>`;
