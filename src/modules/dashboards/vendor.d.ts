// Types for svg-to-pdfkit 0.1, which ships no declarations: draws an SVG into a pdfkit document.
declare module 'svg-to-pdfkit' {
  import type PDFDocument from 'pdfkit';

  interface SVGtoPDFOptions {
    width?: number;
    height?: number;
    preserveAspectRatio?: string;
    /** The pdfkit font to draw a text of the SVG with. */
    fontCallback?: (family: string, bold: boolean, italic: boolean) => string;
    warningCallback?: (message: string) => void;
  }
  export default function SVGtoPDF(doc: PDFDocument, svg: string, x: number, y: number, options?: SVGtoPDFOptions): void;
}
