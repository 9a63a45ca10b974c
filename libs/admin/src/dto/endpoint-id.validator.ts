import { isValidEndpointId } from '@piko/protocol';
import { ValidateBy, type ValidationOptions } from 'class-validator';

/** An endpoint ID as the upstream port accepts it (`[A-Za-z0-9._~-]{1,256}`, libs/protocol). */
export function IsEndpointId(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isEndpointId',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isValidEndpointId(value),
        defaultMessage: () => '$property must be an endpoint ID: 1 to 256 of A-Z a-z 0-9 . _ ~ -',
      },
    },
    options,
  );
}

/** An endpoint ID prefix: the same characters, possibly empty. */
export function IsEndpointIdPrefix(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isEndpointIdPrefix',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && (value === '' || isValidEndpointId(value)),
        defaultMessage: () => '$property must be the start of an endpoint ID: up to 256 of A-Z a-z 0-9 . _ ~ -',
      },
    },
    options,
  );
}
