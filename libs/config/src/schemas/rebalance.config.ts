import { Max, type ValidationArguments } from 'class-validator';
import { DurationOption, FloatOption, IntOption } from '../lib/option.decorators';

/**
 * Go Piko v0.9's `upstream.rebalance`: a gateway with more upstream connections than the cluster
 * average by more than `threshold` sheds some each second (go-away, so they reconnect through the
 * load balancer and land elsewhere). Off by default, as in Go (threshold 0).
 */
export class RebalanceConfig {
  @FloatOption(`
Rebalance when this node's upstream connections exceed the cluster average by
this fraction: 0.2 means 20% more than the average. 0 disables rebalancing.`, { min: 0 })
  threshold = 0;

  @FloatOption(`
Fraction (0-1) of the cluster's average connections per node to shed each
second while rebalancing: 0.005 sheds 0.5% of the average per second. Taken of
the average, not of this node's count, so every node sheds at the same rate.`, { min: 0 })
  @Max(1, { message: (args: ValidationArguments) => `must be at most 1 (got ${JSON.stringify(args.value)})` })
  shedRate = 0.005;

  @IntOption(`
Minimum upstream connections this node must have before it considers
rebalancing, so a handful of connections is never moved around.`, { min: 0 })
  minConns = 50;

  @DurationOption(`
Interval between rebalance checks (not in Go Piko, which checks every second).
The shed rate stays per second whatever the interval.`)
  checkInterval = 1_000;
}
