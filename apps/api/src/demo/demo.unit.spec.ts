import { printDemo, type Demo } from './demo';

describe('the demo banner', () => {
  it('prints the whole token in its Try: line, so the command can be pasted as it is', () => {
    const token = `eyJhbGciOiJFZERTQSJ9.${'x'.repeat(200)}.signature-tail`;
    let text = '';
    printDemo({ url: 'http://127.0.0.1:3000', tokens: { 'municipality:0180 caseworker': token } } as unknown as Demo, (t) => (text += t));
    const tryLine = text.split('\n').find((line) => line.includes('curl'))!;
    expect(tryLine).toContain(`Authorization: Bearer ${token}"`);
  });
});
