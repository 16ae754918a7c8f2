import { describe, expect, it } from 'vitest';
import { storable, wholeCharacters } from './whole-characters.ts';

const SMILE = '\u{1F600}'; // \uD83D\uDE00

describe('wholeCharacters', () => {
  it('passes whole text through as it comes', () => {
    const whole = wholeCharacters();
    expect(whole.next(`Hi ${SMILE}`)).toBe(`Hi ${SMILE}`);
    expect(whole.next(' there')).toBe(' there');
    expect(whole.end()).toBe('');
  });

  it('holds a high surrogate at the end of a delta until its low half comes', () => {
    const whole = wholeCharacters();
    expect(whole.next('Hi \uD83D')).toBe('Hi ');
    expect(whole.next('\uDE00!')).toBe(`${SMILE}!`);
    // A delta that is only the high half gives nothing yet.
    expect(whole.next('\uD83D')).toBe('');
    expect(whole.next('\uDE00')).toBe(SMILE);
    expect(whole.end()).toBe('');
  });

  it('replaces what stays unpaired with U+FFFD', () => {
    const whole = wholeCharacters();
    expect(whole.next('a\uDE00b')).toBe('a\uFFFDb');
    expect(whole.next('c\uD83Dd')).toBe('c\uFFFDd');
    expect(whole.next('e\uD83D')).toBe('e');
    // The next delta does not start with a low half: the held one is replaced.
    expect(whole.next('f')).toBe('\uFFFDf');
    expect(whole.next('\uD83D')).toBe('');
    expect(whole.end()).toBe('\uFFFD');
    expect(whole.end()).toBe('');
  });
});

describe('storable', () => {
  it('replaces U+0000 and unpaired surrogates in strings and keys, deep, and keeps clean values as they are', () => {
    const clean = { tool: 'web.fetch_page', output: { text: `ok ${SMILE}`, list: ['a', 1, null] } };
    expect(storable(clean)).toBe(clean);
    const dirty = { output: { text: 'a\u0000b', list: ['\uD83D', 2], 'k\uDE00': true }, n: 3 };
    expect(storable(dirty)).toEqual({ output: { text: 'a\uFFFDb', list: ['\uFFFD', 2], 'k\uFFFD': true }, n: 3 });
    // The original is not changed.
    expect(dirty.output.text).toBe('a\u0000b');
  });

  it('replaces U+0000 in text deltas too', () => {
    expect(wholeCharacters().next('a\u0000b')).toBe('a\uFFFDb');
  });
});
