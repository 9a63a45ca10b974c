import { subsystemMatch } from './subsystem-match';

describe('subsystemMatch', () => {
  it('matches exactly or by dotted prefix, as Go Piko does', () => {
    expect(subsystemMatch('proxy', ['proxy'])).toBe(true);
    expect(subsystemMatch('proxy.http', ['proxy'])).toBe(true);
    expect(subsystemMatch('proxy.http', ['proxy.'])).toBe(true);
    expect(subsystemMatch('proxyx', ['proxy'])).toBe(false);
    expect(subsystemMatch('proxy', ['proxy.http'])).toBe(false);
    expect(subsystemMatch('main', [])).toBe(false);
    expect(subsystemMatch('admin', ['proxy', 'admin'])).toBe(true);
  });
});
