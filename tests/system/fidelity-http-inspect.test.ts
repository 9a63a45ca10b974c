// tests/system/fidelity-http.test.ts again with traffic inspection capturing every endpoint
// (bodies kept up to 1 MiB): capture must not change a byte of what either side gets.
import './support/inspect-on';
import './fidelity-http.test';
