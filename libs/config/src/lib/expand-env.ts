const SPECIAL = new Set(['*', '#', '$', '@', '!', '?', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);

/**
 * Replaces $VAR, ${VAR} and ${VAR:default} with values from `env`, following Go's os.Expand (which
 * Go Piko's --config.expand-env uses): undefined or empty variables become '' unless a default is
 * given; a '$' not followed by a name is left alone; '${' without a closing brace is dropped.
 */
export function expandEnv(text: string, env: Record<string, string | undefined>): string {
  const lookup = (name: string): string => {
    const colon = name.indexOf(':');
    const key = colon < 0 ? name : name.slice(0, colon);
    const value = env[key] ?? '';
    if (value === '' && colon >= 0) return name.slice(colon + 1);
    return value;
  };

  let out = '';
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf('$', i);
    if (dollar < 0 || dollar === text.length - 1) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, dollar);
    const rest = text.slice(dollar + 1);
    const { name, width } = shellName(rest);
    if (name === '' && width === 0) out += '$';
    else if (name !== '') out += lookup(name);
    i = dollar + 1 + width;
  }
  return out;
}

// Mirrors Go's getShellName: returns the variable name and how many characters it used.
function shellName(s: string): { name: string; width: number } {
  if (s[0] === '{') {
    if (s.length > 2 && SPECIAL.has(s[1]) && s[2] === '}') return { name: s[1], width: 3 };
    const close = s.indexOf('}');
    if (close < 0) return { name: '', width: 1 };
    if (close === 1) return { name: '', width: 2 };
    return { name: s.slice(1, close), width: close + 1 };
  }
  if (SPECIAL.has(s[0])) return { name: s[0], width: 1 };
  const match = /^[A-Za-z0-9_]*/.exec(s);
  const name = match ? match[0] : '';
  return { name, width: name.length };
}
