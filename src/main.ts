// Process entry. Node's compile cache keeps type-stripped and compiled modules between starts
// (in NODE_COMPILE_CACHE, else the OS temp folder): it about halves the time spent importing
// the ~200 TypeScript files of the app. It only helps modules imported after it is enabled,
// hence this small door in front of serve.ts. A cache that cannot be written is skipped.
import { enableCompileCache } from 'node:module';

enableCompileCache();
await import('./serve.ts');
