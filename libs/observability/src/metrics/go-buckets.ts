/**
 * Go's client_golang bucket sets that Go Piko uses, so histograms here line up with its
 * dashboards: prometheus.DefBuckets (seconds) for latencies and
 * prometheus.ExponentialBuckets(256, 4, 8) (bytes) for request and response sizes.
 */
export const GO_DEFAULT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
export const GO_SIZE_BUCKETS: readonly number[] = [256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304];
