// Jest runs three tiers, each its own project (see README "Tests"):
//   unit     — *.spec.ts beside the code, no network beyond loopback sockets the test opens itself
//   interop  — our multiplexer against Go's hashicorp/yamux (needs Go; tools/preflight.mjs checks)
//   system   — the real built `piko` processes, driven over real sockets by real clients
const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

const moduleNameMapper = { '^@piko/(.*)$': '<rootDir>/libs/$1/src/index.ts' };

const common = {
  rootDir: __dirname,
  // jose ships ES modules only; Node 20 require()s them, Jest's module system needs them compiled.
  transform: { '^.+\\.ts$': swc, '/node_modules/jose/.+\\.js$': swc },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  moduleNameMapper,
  testEnvironment: 'node',
  setupFiles: ['reflect-metadata'],
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'] },
    { ...common, displayName: 'interop', testMatch: ['<rootDir>/tests/interop/**/*.test.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/tests/integration/**/*.test.ts'] },
    { ...common, displayName: 'system', testMatch: ['<rootDir>/tests/system/**/*.test.ts'], setupFilesAfterEnv: ['<rootDir>/tests/system/support/kill-leftover-processes.ts'] },
  ],
};
