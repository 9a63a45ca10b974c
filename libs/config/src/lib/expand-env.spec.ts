import { expandEnv } from './expand-env';

describe('expandEnv', () => {
  const env = { HOST: 'redis.local', PORT: '6379', EMPTY: '', A_B: 'x' };

  it('expands $VAR and ${VAR}', () => {
    expect(expandEnv('url: redis://$HOST:${PORT}/0', env)).toBe('url: redis://redis.local:6379/0');
    expect(expandEnv('$A_B-suffix', env)).toBe('x-suffix');
  });

  it('uses ${VAR:default} when the variable is unset or empty', () => {
    expect(expandEnv('${MISSING:fallback}', env)).toBe('fallback');
    expect(expandEnv('${EMPTY:fallback}', env)).toBe('fallback');
    expect(expandEnv('${PORT:1}', env)).toBe('6379');
    expect(expandEnv('${MISSING:a:b}', env)).toBe('a:b');
    expect(expandEnv('${MISSING:}', env)).toBe('');
  });

  it('expands unknown variables to the empty string', () => {
    expect(expandEnv('[$MISSING][${MISSING}]', env)).toBe('[][]');
  });

  it('leaves a $ that starts no name alone, as Go does', () => {
    expect(expandEnv('cost: 5$ and $', env)).toBe('cost: 5$ and $');
    expect(expandEnv('a $.b', env)).toBe('a $.b');
  });

  it('drops the bad syntax ${} and an unclosed ${, as Go does', () => {
    expect(expandEnv('a${}b', env)).toBe('ab');
    expect(expandEnv('a${HOST', env)).toBe('aHOST');
  });

  it('is case-sensitive', () => {
    expect(expandEnv('$host', env)).toBe('');
  });
});
