/**
 * The JSON error body Go Piko writes (`json.NewEncoder(w).Encode(errorMessage{Error: msg})`):
 * Go's encoder escapes <, >, & and U+2028/2029, and appends a newline.
 */
export function errorBody(message: string): string {
  const json = JSON.stringify({ error: message }).replace(/[<>&\u2028\u2029]/g, (c) => {
    return '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');
  });
  return json + '\n';
}
