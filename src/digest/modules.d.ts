// The few parts of two untyped libraries the digest stage uses.

declare module 'nodepub' {
  export interface EpubFile {
    name: string;
    folder: string;
    compress: boolean;
    content: string | Buffer;
  }
  export interface EpubDocument {
    addSection(title: string, content: string, excludeFromContents?: boolean, isFrontMatter?: boolean, overrideFilename?: string): void;
    addCSS(css: string): void;
    getFilesForEPUB(): Promise<EpubFile[]>;
  }
  export function document(metadata: Record<string, unknown>, generateContentsCallback?: (links: unknown[]) => string): EpubDocument;
}

declare module 'archiver' {
  import type { Readable } from 'node:stream';
  export class ZipArchive extends Readable {
    constructor(options?: { store?: boolean; zlib?: { level?: number } });
    append(source: string | Buffer, data: { name: string; store?: boolean; date?: Date; mode?: number }): this;
    finalize(): Promise<void>;
  }
}
