import { AgentConfig } from '../schemas/agent.config';
import { ForwardConfig } from '../schemas/forward.config';
import { ServerConfig } from '../schemas/server.config';
import { formatDuration } from './duration';
import { buildFlagTable } from './flag-table';
import { loadConfig } from './load-config';
import { renderHelp } from './render-help';

describe('renderHelp', () => {
  it.each([
    ['server', ServerConfig],
    ['agent', AgentConfig],
    ['forward', ForwardConfig],
  ])('lists every %s flag with a description', (_name, schema) => {
    const help = renderHelp(schema);
    const table = buildFlagTable(schema);
    expect(table.length).toBeGreaterThan(5);
    for (const spec of table) {
      expect(help).toContain(`  --${spec.name}`);
      expect(spec.meta.description).not.toBe('');
      expect(help).toContain(spec.meta.description.split('\n')[0]);
    }
    expect(help).toContain('  --config.path path');
    expect(help).toContain('  --config.expand-env');
  });

  it('shows defaults in the form flags take them', () => {
    const help = renderHelp(ServerConfig, { usage: 'piko server [flags]' });
    expect(help.startsWith('Usage: piko server [flags]\n')).toBe(true);
    expect(help).toContain('  --proxy.bind-addr addr  (default ":8000")\n');
    expect(help).toContain('  --proxy.timeout duration  (default 30s)\n');
    expect(help).toContain('  --proxy.http.idle-timeout duration  (default 5m)\n');
    expect(help).toContain('  --proxy.access-log\n');
    expect(help).toContain('  --proxy.access-log.level debug|info|warn|error  (default "info")\n');
    expect(help).toContain('  --upstream.rebalance.threshold float  (default 0)\n');
    expect(help).toContain('  --upstream.mux.max-streams int  (default 4096)\n');
    expect(help).toContain('  --grace-period duration  (default 1m)\n');
    expect(help).toContain('  --log.level debug|info|warn|error  (default "info")\n');
  });

  it('documents only flags the loader accepts, each accepting its own default as text', () => {
    const table = buildFlagTable(ServerConfig);
    const names = [...renderHelp(ServerConfig).matchAll(/^ {2}--([a-z0-9.-]+)/gm)].map((m) => m[1]);
    expect(names.length).toBe(table.length + 4);
    for (const name of names) {
      if (name === 'help' || name === 'config.path' || name === 'config.expand-env' || name === 'config.max-bytes') continue;
      const spec = table.find((s) => s.name === name);
      if (!spec) throw new Error(`help lists --${name}, which the loader does not know`);
      // The boolean form of a section (--proxy.access-log) has no default of its own.
      if (spec.applyToSection) continue;
      const value = spec.defaultValue;
      const text =
        spec.meta.kind === 'duration' ? formatDuration(value as number) : Array.isArray(value) ? value.join(',') : String(value);
      const { config } = loadConfig(ServerConfig, { argv: [`--${name}=${text}`], env: {} });
      let actual: unknown = config;
      for (const property of spec.propertyPath) actual = (actual as Record<string, unknown>)[property];
      expect(actual).toEqual(value);
    }
  });
});
