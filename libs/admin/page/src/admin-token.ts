/**
 * The admin token a browser user typed into the page (admin.auth). Kept in sessionStorage: it
 * survives reloads of this tab, is not shared with other tabs and is gone when the tab closes;
 * it is sent only as `Authorization: Bearer` to this origin, never in a URL.
 */
const KEY = 'piko.admin.token';

export function loadToken(): string {
  try {
    return sessionStorage.getItem(KEY) ?? '';
  } catch {
    return ''; // storage disabled: the token lasts until the page reloads
  }
}

export function saveToken(token: string): void {
  try {
    if (token) sessionStorage.setItem(KEY, token);
    else sessionStorage.removeItem(KEY);
  } catch {
    // storage disabled: keep working with the token in memory only
  }
}

/** Request headers carrying `token`, or none without one. */
export function authHeaders(token: string): Record<string, string> {
  return token ? { Authorization: `Bearer ${token}` } : {};
}
