// Types for the parts of pdfkit 0.20 and yazl 3 this module uses: neither package ships
// declarations, and @types packages are not dependencies of the project.

declare module 'pdfkit' {
  import type { Readable } from 'node:stream';

  interface PDFTextOptions {
    width?: number;
    height?: number;
    align?: 'left' | 'center' | 'right' | 'justify';
    lineBreak?: boolean;
    ellipsis?: boolean | string;
    continued?: boolean;
  }

  interface PDFPage {
    width: number;
    height: number;
    margins: { top: number; bottom: number; left: number; right: number };
  }

  interface PDFDocumentOptions {
    size?: string | [number, number];
    layout?: 'portrait' | 'landscape';
    margins?: { top: number; bottom: number; left: number; right: number };
    bufferPages?: boolean;
    autoFirstPage?: boolean;
    compress?: boolean;
    info?: { Title?: string; Author?: string; Subject?: string; Creator?: string; Producer?: string; CreationDate?: Date };
  }

  class PDFDocument extends Readable {
    constructor(options?: PDFDocumentOptions);
    page: PDFPage;
    x: number;
    y: number;
    addPage(options?: PDFDocumentOptions): this;
    font(name: string): this;
    fontSize(size: number): this;
    fillColor(color: string): this;
    strokeColor(color: string): this;
    lineWidth(width: number): this;
    text(text: string, x?: number, y?: number, options?: PDFTextOptions): this;
    widthOfString(text: string, options?: PDFTextOptions): number;
    heightOfString(text: string, options?: PDFTextOptions): number;
    moveTo(x: number, y: number): this;
    lineTo(x: number, y: number): this;
    rect(x: number, y: number, w: number, h: number): this;
    fill(color?: string): this;
    stroke(color?: string): this;
    bufferedPageRange(): { start: number; count: number };
    switchToPage(n: number): this;
    end(): void;
  }
  export default PDFDocument;
}
