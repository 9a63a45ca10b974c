// tests/system/fidelity-upgrade.test.ts again with traffic inspection capturing every endpoint:
// capture must not change how upgrades, declined or taken, are forwarded.
import './support/inspect-on';
import './fidelity-upgrade.test';
