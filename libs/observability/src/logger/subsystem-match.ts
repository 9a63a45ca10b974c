/**
 * Whether `subsystem` is enabled by the `log.subsystems` list, as in Go Piko: an exact match, or
 * an enabled name followed by '.', so 'proxy' enables 'proxy.http' but not 'proxyx'.
 */
export function subsystemMatch(subsystem: string, enabled: readonly string[]): boolean {
  for (const name of enabled) {
    if (subsystem === name) return true;
    const prefix = name.endsWith('.') ? name : `${name}.`;
    if (subsystem.startsWith(prefix)) return true;
  }
  return false;
}
