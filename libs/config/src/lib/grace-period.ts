import { NotEquals, type ValidationArguments } from 'class-validator';

/** `grace_period` must be more than 0: Go Piko refuses 0 ("missing grace period") on server and agent alike. */
export function IsGracePeriod(): PropertyDecorator {
  return NotEquals(0, {
    message: (args: ValidationArguments) => `must be more than 0, as in Go Piko (got ${JSON.stringify(args.value)}); use 1ms to stop almost at once`,
  });
}
