import { describe, expect, it } from 'vitest';
import { createIgnoreRules } from './ignore-rules.ts';

describe('ignore rules', () => {
  it('leave out dependencies, VCS folders and build output wherever they are', () => {
    const skip = createIgnoreRules(new Map());
    expect(skip('node_modules/x/index.js')).toMatchObject({ reason: 'default_ignored', detail: 'node_modules/' });
    expect(skip('packages/a/node_modules/y.js')?.reason).toBe('default_ignored');
    expect(skip('.git/config')?.detail).toBe('.git/');
    expect(skip('app/__pycache__/m.pyc')?.detail).toBe('__pycache__/');
    expect(skip('src/build.ts')).toBeNull();
    expect(skip('src/distance.ts')).toBeNull();
  });

  it('apply each .gitignore to its own folder and below, a deeper one deciding over a shallower one', () => {
    const skip = createIgnoreRules(
      new Map([
        ['.gitignore', '*.log\n/secret.env\n'],
        ['web/.gitignore', 'cache/\n!keep.log\n'],
      ]),
    );
    expect(skip('debug.log')).toEqual({ path: 'debug.log', reason: 'gitignore', detail: '.gitignore' });
    expect(skip('api/x.log')?.detail).toBe('.gitignore');
    expect(skip('secret.env')?.reason).toBe('gitignore');
    expect(skip('api/secret.env')).toBeNull(); // anchored to the root
    expect(skip('web/cache/a.js')?.detail).toBe('web/.gitignore');
    expect(skip('cache/a.js')).toBeNull(); // web's rule stays in web
    expect(skip('web/keep.log')).toBeNull(); // re-included below
    expect(skip('web/.gitignore')).toBeNull();
  });
});
